// Ask yaml-language-server (the language server behind VS Code's YAML extension and many
// other editors) about files of a cases tree, over its stdio protocol, the way an editor does:
//   node .ci/yaml-ls-check.js FILE [FILE ...]
// prints, per file, one JSON line: {"file", "diagnostics": [messages], "completion": [labels]}
// (completion asked at the start of the file's last line). Nothing is fetched from a network:
// the files' own `$schema=` lines must resolve.
"use strict";
const { spawn } = require("node:child_process");
const { readFileSync } = require("node:fs");
const { pathToFileURL } = require("node:url");
const path = require("node:path");

const server = spawn(process.execPath, [
  path.join(__dirname, "yaml-ls/node_modules/yaml-language-server/bin/yaml-language-server"),
  "--stdio",
]);
let buffer = Buffer.alloc(0);
let nextId = 1;
const waiting = new Map();
const diagnostics = new Map();

function send(message) {
  const body = Buffer.from(JSON.stringify({ jsonrpc: "2.0", ...message }));
  server.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
  server.stdin.write(body);
}
function request(method, params) {
  const id = nextId++;
  send({ id, method, params });
  return new Promise((resolve) => waiting.set(id, resolve));
}
server.stdout.on("data", (chunk) => {
  buffer = Buffer.concat([buffer, chunk]);
  for (;;) {
    const end = buffer.indexOf("\r\n\r\n");
    if (end < 0) return;
    const length = Number(/Content-Length: (\d+)/i.exec(buffer.slice(0, end).toString())[1]);
    if (buffer.length < end + 4 + length) return;
    const message = JSON.parse(buffer.slice(end + 4, end + 4 + length).toString());
    buffer = buffer.slice(end + 4 + length);
    if (message.id !== undefined && waiting.has(message.id)) {
      waiting.get(message.id)(message.result);
      waiting.delete(message.id);
    } else if (message.method === "textDocument/publishDiagnostics") {
      diagnostics.set(message.params.uri, message.params.diagnostics);
    } else if (message.id !== undefined && message.method) {
      // workspace/configuration and the like: the settings an editor would give.
      const settings = { validate: true, completion: true, hover: true, schemaStore: { enable: false } };
      send({ id: message.id, result: (message.params.items || []).map(() => settings) });
    }
  }
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(files) {
  await request("initialize", {
    processId: process.pid,
    rootUri: null,
    capabilities: { workspace: { configuration: true }, textDocument: { completion: {} } },
  });
  send({ method: "initialized", params: {} });
  send({
    method: "workspace/didChangeConfiguration",
    params: { settings: { yaml: { validate: true, completion: true, schemaStore: { enable: false } } } },
  });
  for (const file of files) {
    const uri = pathToFileURL(path.resolve(file)).href;
    const text = readFileSync(file, "utf8");
    send({
      method: "textDocument/didOpen",
      params: { textDocument: { uri, languageId: "yaml", version: 1, text } },
    });
    for (let i = 0; i < 100 && !diagnostics.has(uri); i++) await sleep(100);
    const lines = text.split("\n");
    const last = text.endsWith("\n") ? lines.length - 2 : lines.length - 1;
    const indent = /^\s*(- )?/.exec(lines[last])[0].length;
    const completion = await request("textDocument/completion", {
      textDocument: { uri },
      position: { line: last, character: indent },
    });
    const items = Array.isArray(completion) ? completion : (completion || {}).items || [];
    console.log(JSON.stringify({
      file,
      diagnostics: (diagnostics.get(uri) || []).map((d) => `${d.range.start.line + 1}: ${d.message}`),
      completion: items.map((item) => item.label),
    }));
  }
  await request("shutdown", null);
  send({ method: "exit" });
}
main(process.argv.slice(2)).catch((error) => { console.error(error); process.exit(1); });
