#!/usr/bin/env bash
# Every eval run behind the figures we report: four gold sets (seed news, sample news, SQuAD 2.0
# dev, RealTime QA 2024 dev) x three systems (Footnote with the extractive backend, Footnote with
# llama.cpp/SmolLM2 and the Gemma 3 270M reader, and the stock LangChain recipe over the raw
# files with the same chat model), Footnote with the Ollama backend on the two small sets (the
# same SmolLM2 writing behind a stand-in Ollama server), then one table.
#
#   benchmarks/run_eval_suite.sh            # everything
#   SQUAD_LLM_LIMIT=100 benchmarks/run_eval_suite.sh   # fewer SQuAD questions for the LLM runs
#   RTQA_LLM_LIMIT=100 benchmarks/run_eval_suite.sh    # fewer RealTime QA questions for them
#   ONLY=squad benchmarks/run_eval_suite.sh # one gold set: seed, sample, squad or rtqa
#
# Reports go to reports/<gold set>-<system>/ (report.md, results.jsonl, summary.json, PNGs);
# indexes, the converted SQuAD set and the shuffled RealTime QA gold set to data/eval/.
# Footnote's runs are compared (--baseline) with the recipe's run on the same gold set, so their
# reports show the change against it.
# Runs are deterministic (temperature 0, fixed seeds); latency depends on the machine's load.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
FOOTNOTE=${FOOTNOTE:-.venv/bin/footnote}
SHARED=${SHARED:-../shared}
WORK=${WORK:-data/eval}
REPORTS=${REPORTS:-reports}
SQUAD_JSON=${SQUAD_JSON:-$SHARED/datasets/squad-v2-dev/dev-v2.0.json}
SQUAD_QUESTIONS=${SQUAD_QUESTIONS:-300}
# Empty: every SQuAD question for the LLM runs too. The gold file is in seeded random order,
# so the first N questions are a fair sample of the whole set.
SQUAD_LLM_LIMIT=${SQUAD_LLM_LIMIT:-}
RTQA=${RTQA:-$SHARED/datasets/rtqa-2024-dev}
# Empty: every RealTime QA question for the LLM runs too. The runs ask a seeded shuffle of the
# gold file (sorted by week, unanswerable questions last), so the first N are a fair sample.
RTQA_LLM_LIMIT=${RTQA_LLM_LIMIT:-}
ONLY=${ONLY:-}
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
# llama.cpp's OpenMP threads spin while they wait; on a shared machine that made prompt
# processing about 4x slower (measured: 677 tokens in 37 s spinning, 10 s passive).
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}

mkdir -p "$WORK" "$REPORTS"

index() {  # index CORPUS INDEX_DIR: a fresh store, so a rerun measures the same thing
  rm -rf "$2"
  "$FOOTNOTE" index "$1" --index-dir "$2" --json
}

evaluate() {  # evaluate NAME GOLD INDEX CORPUS [extra eval flags...]: recipe, extractive, llamacpp
  local name=$1 gold=$2 index_dir=$3 corpus=$4
  shift 4
  local llm_flags=("$@")
  echo "== $name: langchain-recipe" >&2
  "$PY" -m eval "$gold" --system baseline --corpus "$corpus" --backend llamacpp \
    --report "$REPORTS/$name-langchain-recipe" --json "${llm_flags[@]}" | tail -n 1 \
    > "$REPORTS/$name-langchain-recipe.json"
  echo "== $name: footnote extractive" >&2
  "$PY" -m eval "$gold" --index-dir "$index_dir" --backend extractive \
    --baseline "$REPORTS/$name-langchain-recipe/summary.json" \
    --report "$REPORTS/$name-extractive" --json \
    | tail -n 1 > "$REPORTS/$name-extractive.json"
  echo "== $name: footnote llamacpp" >&2
  "$PY" -m eval "$gold" --index-dir "$index_dir" --backend llamacpp \
    --baseline "$REPORTS/$name-langchain-recipe/summary.json" \
    --report "$REPORTS/$name-llamacpp" --json "${llm_flags[@]}" | tail -n 1 \
    > "$REPORTS/$name-llamacpp.json"
}

ollama_stand_in() {  # ollama_stand_in NAME GOLD INDEX: the Ollama backend, SmolLM2 behind the wire
  # No Ollama server can be installed here: a loopback server speaking its protocol has the
  # embedded chat model write the replies (benchmarks/ollama_stand_in.py).
  echo "== $1: footnote ollama (stand-in)" >&2
  "$PY" benchmarks/ollama_stand_in.py "$2" --index-dir "$3" \
    --baseline "$REPORTS/$1-langchain-recipe/summary.json" \
    --report "$REPORTS/$1-ollama-stand-in" --json | tail -n 1 > "$REPORTS/$1-ollama-stand-in.json"
}

extractive_first() {  # extractive_first NAME GOLD INDEX LIMIT: the LLM runs' questions only
  # The extractive backend on the LLM runs' questions too, so all three share one n.
  "$PY" -m eval "$2" --index-dir "$3" --backend extractive \
    --report "$REPORTS/$1-extractive-first$4" --json --limit "$4" \
    | tail -n 1 > "$REPORTS/$1-extractive-first$4.json"
}

if [[ -z "$ONLY" || "$ONLY" == seed ]]; then
  index "$SHARED/corpus/seed-news" "$WORK/seed-index"
  evaluate seed-news eval/data/seed-news.gold.jsonl "$WORK/seed-index" "$SHARED/corpus/seed-news"
  ollama_stand_in seed-news eval/data/seed-news.gold.jsonl "$WORK/seed-index"
fi

if [[ -z "$ONLY" || "$ONLY" == sample ]]; then
  index eval/data/sample-news "$WORK/sample-index"
  evaluate sample-news eval/data/sample-news.gold.jsonl "$WORK/sample-index" eval/data/sample-news
  ollama_stand_in sample-news eval/data/sample-news.gold.jsonl "$WORK/sample-index"
fi

if [[ -z "$ONLY" || "$ONLY" == squad ]]; then
  # Every paragraph of all 16 articles (646 passages); half the questions unanswerable.
  "$PY" -m eval.squad "$SQUAD_JSON" --out "$WORK/squad" --questions "$SQUAD_QUESTIONS" \
    --seed 0 --force
  index "$WORK/squad/corpus" "$WORK/squad-index"
  squad_gold="$WORK/squad/gold.jsonl"
  llm_flags=()
  if [[ -n "$SQUAD_LLM_LIMIT" ]]; then llm_flags=(--limit "$SQUAD_LLM_LIMIT"); fi
  evaluate squad "$squad_gold" "$WORK/squad-index" "$WORK/squad/corpus" "${llm_flags[@]}"
  if [[ -n "$SQUAD_LLM_LIMIT" ]]; then
    extractive_first squad "$squad_gold" "$WORK/squad-index" "$SQUAD_LLM_LIMIT"
  fi
fi

if [[ -z "$ONLY" || "$ONLY" == rtqa ]]; then
  # 2,000 real 2024 news articles (933 hold answers) and 305 weekly-quiz questions, 25 of them
  # unanswerable; answers are short (a name, a number, a place).
  rtqa_gold="$WORK/rtqa-2024-dev/gold.jsonl"
  "$PY" -m eval.shuffle_gold "$RTQA/gold.jsonl" --out "$rtqa_gold" --seed 0
  index "$RTQA/corpus" "$WORK/rtqa-index"
  llm_flags=()
  if [[ -n "$RTQA_LLM_LIMIT" ]]; then llm_flags=(--limit "$RTQA_LLM_LIMIT"); fi
  evaluate rtqa-2024-dev "$rtqa_gold" "$WORK/rtqa-index" "$RTQA/corpus" "${llm_flags[@]}"
  if [[ -n "$RTQA_LLM_LIMIT" ]]; then
    extractive_first rtqa-2024-dev "$rtqa_gold" "$WORK/rtqa-index" "$RTQA_LLM_LIMIT"
  fi
fi

"$PY" benchmarks/eval_suite_table.py "$REPORTS" | tee "$REPORTS/suite.md"
