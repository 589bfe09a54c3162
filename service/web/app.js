// Footnote's page: ask with follow-ups (streamed), open cited articles at the quoted span,
// list, upload and delete documents. No framework and no build step; it talks to the same
// /v1 API as every other client. Text from the server is only ever set as text, never as HTML.
"use strict";

const KEY_STORAGE = "footnote-api-key";
const PAGE_SIZE = 200;
const $ = (id) => document.getElementById(id);
const conversation = []; // {role, content} turns sent with each follow-up

// --- talking to the API ----------------------------------------------------------------
function authHeaders() {
  const key = sessionStorage.getItem(KEY_STORAGE);
  return key ? { Authorization: `Bearer ${key}` } : {};
}

// fetch with the session's key; a 401 asks for a key and tries again.
async function api(path, init = {}) {
  for (;;) {
    const response = await fetch(path, { ...init, headers: { ...(init.headers || {}), ...authHeaders() } });
    if (response.status !== 401) return response;
    await askForKey(await problemDetail(response));
  }
}

async function problemDetail(response) {
  try {
    const body = await response.json();
    return body.detail || body.title || `HTTP ${response.status}`;
  } catch (_) {
    return `HTTP ${response.status}`;
  }
}

function askForKey(message) {
  const dialog = $("key-dialog");
  $("key-error").textContent = sessionStorage.getItem(KEY_STORAGE) ? message : "";
  $("api-key").value = "";
  return new Promise((resolve) => {
    $("key-form").onsubmit = (event) => {
      event.preventDefault();
      sessionStorage.setItem(KEY_STORAGE, $("api-key").value.trim());
      dialog.close();
      resolve();
    };
    if (!dialog.open) dialog.showModal();
    $("api-key").focus();
  });
}

// Server-Sent Events from a fetch body: calls onEvent(name, data) for each event.
async function readEvents(response, onEvent) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      onEvent(name, data.length ? JSON.parse(data.join("\n")) : {});
    }
  }
}

// --- building the page ------------------------------------------------------------------
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  for (const child of children) node.append(child);
  return node;
}

const GROUNDING = {
  verified: ["verified", "Verified: the cited passages state this"],
  metadata: ["verified", "From the article's byline, outlet or date"],
  extractive: ["quoted", "Quoted from the articles (not written by a model)"],
};

function groundingBadge(answer) {
  const [kind, label] = answer.abstained
    ? ["none", "The articles don't say"]
    : GROUNDING[answer.grounding] || ["quoted", answer.grounding];
  return el("span", { className: `grounding ${kind}`, textContent: label });
}

// Text with its [n] markers as buttons that open source n.
function withCitations(text, citations) {
  const byNumber = new Map(citations.map((c) => [c.n, c]));
  const out = el("span");
  for (const part of text.split(/(\[\d+\])/)) {
    const n = /^\[(\d+)\]$/.exec(part);
    const citation = n && byNumber.get(Number(n[1]));
    if (!citation) { out.append(part); continue; }
    const button = el("button", { type: "button", className: "cite", textContent: part });
    button.setAttribute("aria-label", `Open source ${citation.n}: ${citation.title || citation.source}`);
    button.onclick = () => openArticle(citation.document_id, citation.start, citation.end, button);
    out.append(button);
  }
  return out;
}

function sourceItem(title, where, quote, open) {
  const button = el("button", { type: "button", className: "link", textContent: title });
  button.onclick = () => open(button);
  return el("li", {}, button, el("span", { className: "meta", textContent: ` ${where}` }),
    el("blockquote", { textContent: quote }));
}

function renderAnswer(item, answer) {
  item.querySelector(".answer").replaceChildren();
  const box = item.querySelector(".answer");
  box.append(groundingBadge(answer));
  if (answer.standalone_question && answer.standalone_question !== answer.question) {
    box.append(el("p", { className: "meta", textContent: `Searched for: ${answer.standalone_question}` }));
  }
  if (answer.abstained) {
    box.append(el("p", { className: "short-answer", textContent: answer.answer }));
    if (answer.reason) box.append(el("p", { textContent: `Why: ${answer.reason}` }));
    if (answer.related.length) {
      box.append(el("h3", { textContent: "Closest passages" }));
      const list = el("ol", { className: "sources" });
      for (const p of answer.related.slice(0, 3)) {
        list.append(sourceItem(p.title || p.source, `${p.source} · ${p.published || "undated"}`,
          p.text, (opener) => openArticle(p.document_id, p.start, p.end, opener)));
      }
      box.append(list);
    }
    return;
  }
  const short = answer.short_answer;
  if (short) {
    const marker = short.citation ? ` [${short.citation}]` : "";
    box.append(el("p", { className: "short-answer" }, withCitations(short.text + marker, answer.citations)));
  }
  box.append(el("p", { className: "full-answer" }, withCitations(answer.answer, answer.citations)));
  const list = el("ol", { className: "sources", ariaLabel: "Sources" });
  for (const c of answer.citations) {
    const item = sourceItem(c.title || c.source, `${c.source} · ${c.published || "undated"}`, c.quote,
      (opener) => openArticle(c.document_id, c.start, c.end, opener));
    item.value = c.n;
    list.append(item);
  }
  if (answer.citations.length) box.append(el("h3", { textContent: "Sources" }), list);
  box.append(el("p", { className: "meta", textContent: `Answered by ${answer.backend} (${answer.model})` }));
}

// --- asking -------------------------------------------------------------------------------
async function ask(question) {
  const item = el("li", {}, el("p", { className: "question", textContent: question }),
    el("div", { className: "answer" }, el("p", { className: "provisional", textContent: "Searching the articles…" })));
  $("conversation").append(item);
  item.scrollIntoView({ block: "end" });
  const provisional = item.querySelector(".provisional");
  const messages = [...conversation, { role: "user", content: question }];
  let streamed = "";
  let final = null;
  try {
    const response = await api("/v1/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify({ messages, stream: true }),
    });
    if (!response.ok) throw new Error(await problemDetail(response));
    await readEvents(response, (name, data) => {
      if (name === "token") {
        streamed += data.text;
        provisional.textContent = streamed; // the model's words, until the checked answer
      } else if (name === "final") {
        final = data;
        renderAnswer(item, data);
        // Remembered at once: a follow-up typed before the stream closes still has it.
        conversation.push({ role: "user", content: question }, { role: "assistant", content: data.answer });
      } else if (name === "error") {
        throw new Error(data.detail || data.title);
      }
    });
    if (!final) throw new Error("the answer stream ended early; ask again");
  } catch (error) {
    item.querySelector(".answer").replaceChildren(
      el("p", { className: "error", role: "alert", textContent: `Could not answer: ${error.message}` }));
  }
}

// --- articles -----------------------------------------------------------------------------
async function openArticle(documentId, start, end, opener) {
  const response = await api(`/v1/documents/${encodeURIComponent(documentId)}`);
  if (!response.ok) { alert(await problemDetail(response)); return; }
  const doc = await response.json();
  $("article-title").textContent = doc.title || doc.source;
  $("article-meta").textContent = [doc.outlet, doc.author, doc.published || "undated", doc.source]
    .filter(Boolean).join(" · ");
  const mark = el("mark", { textContent: doc.text.slice(start, end) });
  $("article-text").replaceChildren(doc.text.slice(0, start), mark, doc.text.slice(end));
  const dialog = $("article");
  dialog.onclose = () => opener && opener.focus();
  dialog.showModal();
  mark.scrollIntoView({ block: "center" });
  $("article-text").focus({ preventScroll: true });
}

// --- documents ----------------------------------------------------------------------------
async function loadDocuments() {
  const body = document.querySelector("#documents tbody");
  const response = await api(`/v1/documents?limit=${PAGE_SIZE}&offset=0`);
  if (!response.ok) { $("documents-summary").textContent = await problemDetail(response); return; }
  const page = await response.json();
  $("documents-summary").textContent =
    `${page.total} article${page.total === 1 ? "" : "s"} (store version ${page.store_version})` +
    (page.total > page.documents.length ? `; the first ${page.documents.length} are listed.` : ".");
  body.replaceChildren(...page.documents.map((doc) => {
    const remove = el("button", { type: "button", textContent: "Delete" });
    remove.setAttribute("aria-label", `Delete ${doc.title || doc.source}`);
    remove.onclick = () => deleteDocument(doc, remove);
    const read = el("button", { type: "button", className: "link", textContent: doc.title || doc.source });
    read.onclick = () => openArticle(doc.id, 0, 0, read);
    return el("tr", {}, el("td", {}, read), el("td", { textContent: doc.published || "undated" }),
      el("td", { textContent: doc.source }), el("td", {}, remove));
  }));
}

async function deleteDocument(doc, button) {
  if (!confirm(`Delete "${doc.title || doc.source}" from the archive?`)) return;
  button.disabled = true;
  const response = await api(`/v1/documents/${encodeURIComponent(doc.id)}`, { method: "DELETE" });
  $("upload-result").textContent = response.ok
    ? `Deleted ${doc.source}.` : `Could not delete ${doc.source}: ${await problemDetail(response)}`;
  await loadDocuments();
}

function upload(files) {
  const form = new FormData();
  for (const file of files) form.append("files", file, file.name);
  const progress = $("upload-progress");
  progress.hidden = false;
  progress.value = 0;
  $("upload-button").disabled = true;
  const send = () => new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/v1/documents");
    for (const [name, value] of Object.entries(authHeaders())) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) progress.value = (100 * e.loaded) / e.total; };
    xhr.onload = () => resolve(xhr);
    xhr.onerror = () => resolve(xhr);
    xhr.send(form);
  });
  (async () => {
    let xhr = await send();
    while (xhr.status === 401) {
      await askForKey(JSON.parse(xhr.responseText || "{}").detail || "unauthorized");
      xhr = await send();
    }
    progress.value = 100;
    $("upload-button").disabled = false;
    showUploadResult(xhr);
    await loadDocuments();
  })();
}

function showUploadResult(xhr) {
  const out = $("upload-result");
  let body = {};
  try { body = JSON.parse(xhr.responseText); } catch (_) { /* not JSON: said below */ }
  if (xhr.status !== 200) {
    out.replaceChildren(el("p", { className: "error", textContent: `Upload refused: ${body.detail || xhr.status || "no connection"}` }));
    return;
  }
  const lines = body.files.map((f) => el("li", {
    textContent: `${f.filename}: ${f.document_ids.length ? `${f.document_ids.length} article(s) indexed` : "nothing new"}`,
  }));
  for (const s of body.skipped) lines.push(el("li", { className: "error", textContent: `${s.path}: skipped, ${s.reason}` }));
  out.replaceChildren(el("ul", {}, ...lines));
}

// --- wiring -------------------------------------------------------------------------------
function showView(name) {
  for (const view of ["ask", "documents"]) {
    $(`${view}-view`).hidden = view !== name;
    $(`show-${view}`).setAttribute("aria-pressed", String(view === name));
  }
  if (name === "documents") loadDocuments();
  else $("question").focus();
}

document.addEventListener("DOMContentLoaded", () => {
  $("show-ask").onclick = () => showView("ask");
  $("show-documents").onclick = () => showView("documents");
  $("close-article").onclick = () => $("article").close();
  $("ask-form").onsubmit = async (event) => {
    event.preventDefault();
    const question = $("question").value.trim();
    if (!question) return;
    $("question").value = "";
    $("ask-button").disabled = true;
    try { await ask(question); } finally { $("ask-button").disabled = false; $("question").focus(); }
  };
  $("question").onkeydown = (event) => { // Enter asks; Shift+Enter starts a new line
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); $("ask-form").requestSubmit(); }
  };
  $("new-conversation").onclick = () => { conversation.length = 0; $("conversation").replaceChildren(); $("question").focus(); };
  $("upload-form").onsubmit = (event) => {
    event.preventDefault();
    if ($("files").files.length) upload([...$("files").files]);
  };
  $("question").focus();
});
