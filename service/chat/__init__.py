"""`footnote chat`: a conversation with the archive, in-process or as a client of the service.

command.py   the subcommand: builds a transport and runs the loop (the only I/O wiring)
session.py   ChatSession (history, filters, last answer) and the Transport protocol
local.py     LocalTransport: an Engine in this process
remote.py    RemoteTransport: POST /v1/chat on a running service (service/client.py), as SSE
commands.py  parse_command: what a typed line means (pure)
render.py    how answers, sources and articles look; streaming on a terminal
repl.py      the loops: at a terminal (prompt_toolkit) or over piped lines
"""
