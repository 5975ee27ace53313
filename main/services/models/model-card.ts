import type { EnvLock } from '../../../app/models';
import type { Deployment } from '../../../app/contract/deploy';
import type { EdgePackage } from '../../../app/contract/packages';
import type { BenchResult, Model, ModelExport, ModelVersion, OnnxInfo, TensorInfo } from '../../../app/contract/models';

/** Everything a model card shows. */
export interface ModelCardData {
  readonly project: string;
  readonly model: Model;
  readonly version: ModelVersion;
  readonly exports: readonly ModelExport[];
  /** Edge packages built from this version (lineage: version → packages). */
  readonly packages: readonly EdgePackage[];
  /** Deploys and rollbacks of this version to devices (lineage: packages → deployments). */
  readonly deployments: readonly Deployment[];
  readonly benchmarks: readonly BenchResult[];
  /** The ONNX signature (of the version, or of its ONNX export); null with a note saying why. */
  readonly signature: OnnxInfo | null;
  readonly signatureNote: string | null;
  /** The env snapshot of the lineage when it is in this project's store. */
  readonly envLock: EnvLock | null;
  readonly generatedAt: number;
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);
}

const style = `
body{font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2125;background:#fff;margin:0;padding:32px;max-width:960px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d8dde3;padding-bottom:4px}
.sub{color:#5b6570;margin:0 0 16px}.badge{display:inline-block;border:1px solid #b8c1cb;border-radius:10px;padding:0 8px;margin-right:6px;font-size:12px}
table{border-collapse:collapse;width:100%;margin:4px 0}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eceff2;vertical-align:top}
th{font-weight:600;color:#3b444d;width:220px}td.num{font-variant-numeric:tabular-nums;text-align:right}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;word-break:break-all}
.pass{color:#1a7f37}.fail{color:#c62828}.muted{color:#6b7580}pre{white-space:pre-wrap;background:#f6f8fa;padding:8px;border-radius:4px}
@media (prefers-color-scheme:dark){body{background:#15181c;color:#e3e6ea}th{color:#c2c8cf}th,td{border-color:#2a3037}h2{border-color:#2f363e}pre{background:#1f242a}.sub,.muted{color:#98a2ad}}
`;

function row(label: string, value: string): string {
  return `<tr><th>${escapeHtml(label)}</th><td>${value}</td></tr>`;
}

function table(rows: readonly string[]): string {
  return `<table>${rows.join('')}</table>`;
}

function bytes(size: number): string {
  if (size < 1024) return `${size} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = size / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2)} ${units[unit]}`;
}

function when(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

function number(value: number): string {
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  const magnitude = Math.abs(value);
  return magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e6) ? value.toExponential(3) : value.toPrecision(6).replace(/\.?0+$/, '');
}

function paramValue(value: unknown): string {
  if (typeof value === 'string') return escapeHtml(value);
  return `<span class="mono">${escapeHtml(JSON.stringify(value) ?? 'null')}</span>`;
}

function tensors(list: readonly TensorInfo[]): string {
  if (list.length === 0) return '<p class="muted">None declared.</p>';
  const head = '<tr><th>Name</th><th>Type</th><th>Shape</th></tr>';
  const body = list.map((tensor) => `<tr><td class="mono">${escapeHtml(tensor.name)}</td><td>${escapeHtml(tensor.dtype)}</td><td class="mono">[${tensor.dims.map((dim) => escapeHtml(dim ?? '?')).join(', ')}]</td></tr>`);
  return `<table>${head}${body.join('')}</table>`;
}

function packagesSection(data: ModelCardData): string {
  if (data.packages.length === 0) return '<h2>Edge packages</h2><p class="muted">No packages yet.</p>';
  const head = '<tr><th>Target</th><th>File</th><th>Size</th><th>sha256</th><th>Created</th></tr>';
  const body = data.packages.map(
    (item) =>
      `<tr><td>${escapeHtml(item.target)}</td><td class="mono">${escapeHtml(item.fileName)}</td><td class="num">${bytes(item.size)}</td><td class="mono">${escapeHtml(item.sha256)}</td><td>${escapeHtml(when(item.createdAt))}</td></tr>`,
  );
  return `<h2>Edge packages</h2><table>${head}${body.join('')}</table>`;
}

function deploymentsSection(data: ModelCardData): string {
  if (data.deployments.length === 0) return '<h2>Deployments</h2><p class="muted">Not deployed yet.</p>';
  const head = '<tr><th>When</th><th>Action</th><th>Device</th><th>Result</th><th>Failed step</th></tr>';
  const body = data.deployments.map(
    (item) =>
      `<tr><td>${escapeHtml(when(item.startedAt))}</td><td>${escapeHtml(item.action)}</td><td>${escapeHtml(item.deviceName)}</td><td>${escapeHtml(item.result)}</td><td>${escapeHtml(item.failedStep ?? '')}</td></tr>`,
  );
  return `<h2>Deployments</h2><table>${head}${body.join('')}</table>`;
}

function lineageSection(data: ModelCardData): string {
  const { lineage } = data.version;
  const out: string[] = ['<h2>Lineage</h2>'];
  const rows: string[] = [];
  rows.push(row('Source', data.version.source === 'run-artifact' ? 'A file recorded by a run' : 'A file registered directly'));
  rows.push(row('Run', lineage.runId ? `${escapeHtml(lineage.runName ?? '')} <span class="mono muted">${escapeHtml(lineage.runId)}</span>` : '<span class="muted">none</span>'));
  rows.push(row('Git commit', lineage.gitCommit ? `<span class="mono">${escapeHtml(lineage.gitCommit)}</span>` : '<span class="muted">not recorded</span>'));
  if (lineage.envLockId) {
    const lock = data.envLock;
    const detail = lock
      ? ` — ${escapeHtml(lock.envName)}, Python ${escapeHtml(lock.pythonVersion)}, ${lock.packageCount} packages (${escapeHtml(lock.format)}), sha256 <span class="mono">${escapeHtml(lock.hash)}</span>`
      : ' <span class="muted">(snapshot not in this project)</span>';
    rows.push(row('Environment snapshot', `<span class="mono">${escapeHtml(lineage.envLockId)}</span>${detail}`));
  } else {
    rows.push(row('Environment snapshot', '<span class="muted">not recorded</span>'));
  }
  out.push(table(rows));
  if (lineage.datasets.length > 0) {
    out.push('<h2>Datasets</h2>');
    out.push(
      `<table><tr><th>File</th><th>Size</th><th>sha256</th></tr>${lineage.datasets
        .map((dataset) => `<tr><td class="mono">${escapeHtml(dataset.path)}</td><td class="num">${bytes(dataset.size)}</td><td class="mono">${escapeHtml(dataset.sha256)}</td></tr>`)
        .join('')}</table>`,
    );
  }
  const params = Object.entries(lineage.params);
  if (params.length > 0) {
    out.push('<h2>Parameters</h2>');
    out.push(table(params.map(([key, value]) => row(key, paramValue(value)))));
  }
  const metrics = Object.entries(lineage.metrics);
  out.push('<h2>Metrics</h2>');
  out.push(
    metrics.length > 0
      ? `<table>${metrics.map(([key, value]) => `<tr><th>${escapeHtml(key)}</th><td class="num">${escapeHtml(number(value))}</td></tr>`).join('')}</table><p class="muted">Last value of each metric of the run.</p>`
      : '<p class="muted">No metrics recorded.</p>',
  );
  return out.join('\n');
}

function signatureSection(data: ModelCardData): string {
  const out = ['<h2>Signature</h2>'];
  const info = data.signature;
  if (!info) {
    out.push(`<p class="muted">${escapeHtml(data.signatureNote ?? 'No ONNX signature.')}</p>`);
    return out.join('\n');
  }
  out.push('<h3>Inputs</h3>', tensors(info.inputs), '<h3>Outputs</h3>', tensors(info.outputs));
  const opsets = Object.entries(info.opsets)
    .map(([domain, version]) => `${domain === '' ? 'ai.onnx' : domain} ${version}`)
    .join(', ');
  const operators = Object.entries(info.operators)
    .sort((a, b) => b[1] - a[1])
    .map(([op, count]) => `${op} × ${count}`)
    .join(', ');
  const rows = [
    row('Opsets', escapeHtml(opsets || 'none')),
    row('Producer', escapeHtml(info.producer || 'unknown')),
    row('Nodes', escapeHtml(number(info.nodes))),
    row('Parameters', `${escapeHtml(number(info.parameters))} (${bytes(info.parameterBytes)})`),
    row('Operators', escapeHtml(operators || 'none')),
  ];
  if (info.unsupported.length > 0) rows.push(row('Not supported here', `<span class="fail">${escapeHtml(info.unsupported.join(', '))}</span>`));
  out.push(table(rows));
  const metadata = Object.entries(info.metadata);
  if (metadata.length > 0) {
    out.push('<h3>Metadata</h3>', table(metadata.map(([key, value]) => row(key, `<span class="mono">${escapeHtml(value.length > 2000 ? `${value.slice(0, 2000)}…` : value)}</span>`))));
  }
  return out.join('\n');
}

function exportsSection(data: ModelCardData): string {
  if (data.exports.length === 0) return '<h2>Exports</h2><p class="muted">No exports yet.</p>';
  const head = '<tr><th>Kind</th><th>Opset</th><th>Size</th><th>Parity</th><th>Quantization</th><th>Created</th></tr>';
  const body = data.exports.map((item) => {
    const parity = item.parity
      ? `<span class="${item.parity.passed ? 'pass' : 'fail'}">${item.parity.passed ? 'passed' : 'FAILED'}</span>: max abs ${escapeHtml(number(item.parity.maxAbs))}, max rel ${escapeHtml(number(item.parity.maxRel))} (tolerance ${escapeHtml(number(item.parity.tolerance))}, ${item.parity.samples} samples)`
      : '<span class="muted">not checked</span>';
    const quantization = item.quantization
      ? `${bytes(item.quantization.sizeBefore)} → ${bytes(item.quantization.sizeAfter)}, p50 ${escapeHtml(number(item.quantization.p50MsBefore))} → ${escapeHtml(number(item.quantization.p50MsAfter))} ms`
      : '<span class="muted">—</span>';
    return `<tr><td>${escapeHtml(item.kind)}<div class="mono muted">${escapeHtml(item.sha256)}</div></td><td>${item.opset ?? '—'}</td><td class="num">${bytes(item.size)}</td><td>${parity}</td><td>${quantization}</td><td>${escapeHtml(when(item.createdAt))}</td></tr>`;
  });
  return `<h2>Exports</h2><table>${head}${body.join('')}</table>`;
}

function benchmarksSection(data: ModelCardData): string {
  if (data.benchmarks.length === 0) return '<h2>Latency</h2><p class="muted">No benchmarks yet.</p>';
  const head = '<tr><th>Benchmark</th><th>Threads</th><th>Batch</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>Throughput /s</th></tr>';
  const body = data.benchmarks.flatMap((bench) =>
    bench.rows.map(
      (result) =>
        `<tr><td>${escapeHtml(bench.label)}<div class="muted">${escapeHtml(when(bench.createdAt))}, ${bench.iterations} iterations</div></td><td class="num">${result.threads}</td><td class="num">${result.batch}</td><td class="num">${escapeHtml(number(result.p50Ms))}</td><td class="num">${escapeHtml(number(result.p95Ms))}</td><td class="num">${escapeHtml(number(result.p99Ms))}</td><td class="num">${escapeHtml(number(result.throughputPerS))}</td></tr>`,
    ),
  );
  return `<h2>Latency</h2><table>${head}${body.join('')}</table>`;
}

/**
 * The model card of a version as one self-contained HTML page (inline style, no scripts, no external resources):
 * identity, notes, lineage (run, git commit, env snapshot, datasets, params, metrics), the ONNX signature, exports
 * with their parity checks, and latency benchmarks. Every value from the store is escaped.
 */
export function renderModelCard(data: ModelCardData): string {
  const { model, version } = data;
  const title = `${model.name} v${version.version}`;
  const badges = [
    `<span class="badge">${escapeHtml(version.format)}</span>`,
    version.stage !== 'none' ? `<span class="badge">${escapeHtml(version.stage)}</span>` : '',
    ...version.aliases.map((alias) => `<span class="badge">@${escapeHtml(alias)}</span>`),
  ].join('');
  const identity = table([
    row('Model', `${escapeHtml(model.name)}${model.description ? ` — ${escapeHtml(model.description)}` : ''}`),
    row('Version', `${version.version} of ${model.latestVersion ?? version.version} <span class="mono muted">${escapeHtml(version.id)}</span>`),
    row('File', `<span class="mono">${escapeHtml(version.fileName)}</span> (${bytes(version.size)})`),
    row('sha256', `<span class="mono">${escapeHtml(version.sha256)}</span>`),
    row('Registered', escapeHtml(when(version.createdAt))),
  ]);
  const notes = version.notes ? `<h2>Notes</h2><pre>${escapeHtml(version.notes)}</pre>` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Model card: ${escapeHtml(title)}</title>
<style>${style}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="sub">${badges} Project ${escapeHtml(data.project)} · generated ${escapeHtml(when(data.generatedAt))} by Orrery</p>
${identity}
${notes}
${lineageSection(data)}
${signatureSection(data)}
${exportsSection(data)}
${packagesSection(data)}
${deploymentsSection(data)}
${benchmarksSection(data)}
</body>
</html>
`;
}
