// Parses Mermaid flowcharts with Mermaid's own parser, as GitLab's
// renderer does before it draws, and prints what it read: for each file
// given, its nodes (id and label), edges and subgraphs, or the parse
// error. Mermaid sanitizes labels with DOMPurify, which needs a DOM:
// jsdom gives it one, so no browser is needed.
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';

const { window } = new JSDOM('');
globalThis.window = window;
globalThis.document = window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });

// label is a node's text as the drawing shows it, one entry a line:
// Mermaid's entity markers turned back into entities (as its
// decodeEntities does after drawing), then read as HTML by the DOM.
function label(text) {
  const html = String(text)
    .replace(/ﬂ°°/g, '&#')
    .replace(/ﬂ°/g, '&')
    .replace(/¶ß/g, ';');
  return html.split(/<br\s*\/?>/i).map((part) => {
    const el = window.document.createElement('div');
    el.innerHTML = part;
    return el.textContent;
  });
}

const results = [];
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, 'utf8');
  try {
    await mermaid.parse(text);
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
    const db = diagram.db;
    const vertices = [...db.getVertices().values()].map((v) => ({ id: v.id, lines: label(v.text) }));
    const edges = db.getEdges().map((e) => ({ start: e.start, end: e.end, text: e.text }));
    const subgraphs = db.getSubGraphs().map((s) => ({ id: s.id, title: label(s.title).join('\n'), nodes: s.nodes }));
    results.push({ file, ok: true, type: diagram.type, vertices, edges, subgraphs });
  } catch (e) {
    results.push({ file, ok: false, error: String(e && e.message ? e.message : e) });
  }
}
process.stdout.write(JSON.stringify(results, null, 1) + '\n');
