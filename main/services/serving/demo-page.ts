import type { OnnxInfo } from '../../../app/contract';
import { v2Datatype } from './protocol';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * The demo page: one field per model input (JSON data, prefilled with zeros of the declared shape, symbolic dims
 * as 1), a Predict button calling `/v2/models/{name}/infer`, the outputs (top scores when the first is a score
 * vector) and the latency. Self-contained (no CDN); the token, when the page was opened with `?token=`, goes
 * along as a Bearer header.
 */
export function demoPage(name: string, version: string | null, info: OnnxInfo): string {
  const inputs = info.inputs.map((input) => {
    const shape = input.dims.map((d) => (typeof d === 'number' ? d : 1));
    const count = shape.reduce((a, b) => a * b, 1);
    const example = count <= 4096 ? JSON.stringify(new Array<number>(count).fill(0)) : '[]';
    return { name: input.name, datatype: v2Datatype(input.dtype), shape, example, declared: `[${input.dims.map((d) => (typeof d === 'number' ? d : (d ?? '?'))).join(', ')}]` };
  });
  const fields = inputs
    .map(
      (input, i) => `<fieldset><legend>${escapeHtml(input.name)} <small>${escapeHtml(input.datatype)} ${escapeHtml(input.declared)}</small></legend>
<label>Shape <input name="shape${i}" value="${escapeHtml(JSON.stringify(input.shape))}"></label>
<label>Data (JSON list, flat or nested)<textarea name="data${i}" rows="4">${escapeHtml(input.example)}</textarea></label></fieldset>`,
    )
    .join('\n');
  const title = `${name}${version ? ` (${version})` : ''}`;
  const spec = JSON.stringify(inputs.map((i) => ({ name: i.name, datatype: i.datatype }))).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Orrery demo</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;max-width:760px;margin:2rem auto;padding:0 1rem;color:#1d2330}
h1{font-size:1.3rem}fieldset{border:1px solid #ccd;border-radius:6px;margin:0 0 1rem}label{display:block;margin:.4rem 0}
input,textarea{width:100%;box-sizing:border-box;font:13px ui-monospace,monospace}button{font-size:1rem;padding:.4rem 1.2rem}
pre{background:#f4f5f8;padding:.8rem;overflow:auto;max-height:24rem}.error{color:#b00020}table{border-collapse:collapse}td{padding:.1rem .8rem .1rem 0}
</style></head><body>
<h1>${escapeHtml(title)}</h1>
<p>Give the inputs as JSON and press Predict. Served by Orrery with the Open Inference Protocol v2.</p>
<form id="form">${fields}<button type="submit">Predict</button></form>
<p id="latency"></p><div id="top"></div><pre id="result"></pre>
<script>
const inputs = ${spec};
const token = new URLSearchParams(location.search).get('token');
const headers = { 'content-type': 'application/json' };
if (token) headers.authorization = 'Bearer ' + token;
document.getElementById('form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target, result = document.getElementById('result'), latency = document.getElementById('latency'), top = document.getElementById('top');
  result.className = ''; top.textContent = '';
  try {
    const body = { inputs: inputs.map((input, i) => ({ name: input.name, datatype: input.datatype, shape: JSON.parse(form['shape' + i].value), data: JSON.parse(form['data' + i].value) })) };
    const started = performance.now();
    const response = await fetch(${JSON.stringify(`/v2/models/${encodeURIComponent(name)}/infer`)}, { method: 'POST', headers, body: JSON.stringify(body) });
    const answer = await response.json();
    latency.textContent = 'Latency ' + (performance.now() - started).toFixed(1) + ' ms (HTTP ' + response.status + ')';
    if (!response.ok) { result.className = 'error'; result.textContent = answer.error; return; }
    const first = answer.outputs[0];
    if (first && /^FP/.test(first.datatype) && first.data.length > 1 && first.data.length <= 1000) {
      const best = first.data.map((score, index) => ({ score, index })).sort((a, b) => b.score - a.score).slice(0, 5);
      const table = document.createElement('table');
      for (const { score, index } of best) { const row = table.insertRow(); row.insertCell().textContent = '#' + index; row.insertCell().textContent = score.toFixed(4); }
      top.append('Top ' + best.length + ' of ' + first.name, table);
    }
    result.textContent = JSON.stringify(answer.outputs, null, 1);
  } catch (error) { result.className = 'error'; result.textContent = String(error); }
});
</script></body></html>
`;
}
