#!/usr/bin/env node
// The Node runner of an Orrery edge package: `verify`, `self-test` and `predict` with the onnxruntime-node shipped
// in the package's own node_modules (resolved from this file, never from NODE_PATH or the caller's folder).
// Exit codes: 0 ok, 2 bad usage or input, 3 verification failed, 4 self-test mismatch, 5 runtime missing or failed.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));

class Exit extends Error {
  constructor(code, message) {
    super(message);
    this.exitCode = code;
  }
}

/** Every file of the package, relative, with / separators. */
function listFiles(dir, prefix = '') {
  const out = [];
  for (const entry of readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(dir, relative));
    else out.push(relative);
  }
  return out;
}

/** Checks SHA256SUMS: every listed file present with its hash, and no file that is not listed. */
function verify() {
  let sums;
  try {
    sums = readFileSync(path.join(root, 'SHA256SUMS'), 'utf8');
  } catch {
    throw new Exit(3, 'verification failed: SHA256SUMS is missing; the package is incomplete, rebuild or copy it again.');
  }
  const listed = new Map();
  for (const line of sums.split('\n')) {
    if (line.trim() === '') continue;
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!match) throw new Exit(3, `verification failed: SHA256SUMS has a malformed line: ${line.slice(0, 100)}`);
    listed.set(match[2], match[1]);
  }
  for (const [file, hash] of listed) {
    let bytes;
    try {
      bytes = readFileSync(path.join(root, file));
    } catch {
      throw new Exit(3, `verification failed: ${file} is missing; refusing to run.`);
    }
    if (createHash('sha256').update(bytes).digest('hex') !== hash) throw new Exit(3, `verification failed: ${file} does not match its SHA-256 in SHA256SUMS; refusing to run.`);
  }
  const extra = listFiles(root).find((file) => file !== 'SHA256SUMS' && !listed.has(file));
  if (extra !== undefined) throw new Exit(3, `verification failed: ${extra} is not listed in SHA256SUMS; refusing to run.`);
  return listed.size;
}

function loadRuntime(manifest) {
  const here = `${process.platform}-${process.arch}`;
  if (here !== manifest.target) throw new Exit(5, `This package is built for ${manifest.target}; this machine is ${here}. Build one with --target ${here}.`);
  const require = createRequire(path.join(root, 'run.mjs'));
  try {
    return { ort: require('onnxruntime-node'), where: path.dirname(require.resolve('onnxruntime-node')) };
  } catch (error) {
    throw new Exit(5, `onnxruntime-node from the package could not be loaded: ${error.message.split('\n')[0]}`);
  }
}

const typed = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  bool: Uint8Array,
};

function signature(manifest) {
  return manifest.io.inputs.map((i) => `${i.name}: ${i.dtype} [${i.dims.map((d) => (d === null ? '?' : d)).join(', ')}]`).join('; ');
}

function flatten(value, dims = []) {
  if (!Array.isArray(value)) return { dims, data: [value] };
  const parts = value.map((v) => flatten(v, []));
  const inner = parts[0]?.dims ?? [];
  if (parts.some((p) => p.dims.join(',') !== inner.join(','))) throw new Exit(2, 'a ragged array cannot be a tensor');
  return { dims: [value.length, ...inner], data: parts.flatMap((p) => p.data) };
}

/** A tensor from `{dims, data}` or nested arrays, checked against the declared input. */
function tensorOf(ort, input, given, manifest) {
  const { dims, data } = given && typeof given === 'object' && !Array.isArray(given) && 'data' in given ? { dims: given.dims ?? flatten(given.data).dims, data: flatten(given.data).data } : flatten(given);
  const count = dims.reduce((a, b) => a * b, 1);
  const okShape = count === data.length && input.dims.length === dims.length && input.dims.every((d, i) => typeof d !== 'number' || d === dims[i]);
  if (!okShape) throw new Exit(2, `input ${input.name} has shape [${dims.join(', ')}]; the model expects ${signature(manifest)}`);
  const Make = typed[input.dtype];
  if (!Make) throw new Exit(2, `input ${input.name} has dtype ${input.dtype}, which this runner cannot feed from JSON`);
  const array = new Make(count);
  for (let i = 0; i < count; i++) {
    const v = Number(data[i]);
    if (!Number.isFinite(v)) throw new Exit(2, `input ${input.name} holds ${JSON.stringify(data[i])} at element ${i}, not a number; the model expects ${signature(manifest)}`);
    array[i] = array instanceof BigInt64Array || array instanceof BigUint64Array ? BigInt(Math.trunc(v)) : v;
  }
  return new ort.Tensor(input.dtype, array, dims);
}

function feedsOf(ort, manifest, given) {
  const inputs = manifest.io.inputs;
  const named = given && typeof given === 'object' && !Array.isArray(given) && inputs.every((i) => i.name in given) ? given : inputs.length === 1 ? { [inputs[0].name]: given } : null;
  if (!named) throw new Exit(2, `give an object with every input by name; the model expects ${signature(manifest)}`);
  return Object.fromEntries(inputs.map((input) => [input.name, tensorOf(ort, input, named[input.name], manifest)]));
}

function plain(tensor) {
  return { dtype: tensor.type, dims: [...tensor.dims], data: Array.from(tensor.data, (v) => (typeof v === 'bigint' ? Number(v) : v)) };
}

function topK(manifest, output, k) {
  if (!output || !/^float/.test(output.dtype)) return null;
  const classes = output.dims.length === 1 ? output.dims[0] : output.dims.length === 2 && output.dims[0] === 1 ? output.dims[1] : 0;
  if (classes < 2) return null;
  return output.data
    .map((score, index) => ({ index, label: manifest.labels?.[index] ?? null, score }))
    .sort((a, b) => b.score - a.score)
    .slice(0, k);
}

async function run(session, feeds) {
  const results = await session.run(feeds);
  return Object.fromEntries(session.outputNames.map((name) => [name, plain(results[name])]));
}

async function selfTest(ort, where, manifest, checked) {
  const golden = JSON.parse(readFileSync(path.join(root, 'selftest', 'golden.json'), 'utf8'));
  const session = await ort.InferenceSession.create(path.join(root, 'model.onnx'));
  const { atol, rtol } = golden.tolerance;
  let maxAbsDiff = 0;
  for (const [index, sample] of golden.cases.entries()) {
    const feeds = Object.fromEntries(manifest.io.inputs.map((input) => [input.name, tensorOf(ort, input, sample.inputs[input.name], manifest)]));
    const got = await run(session, feeds);
    for (const [name, want] of Object.entries(sample.outputs)) {
      const have = got[name];
      if (!have || have.dims.join(',') !== want.dims.join(',')) return { ok: false, case: index, output: name, problem: `shape [${have?.dims ?? ''}] instead of [${want.dims}]` };
      for (let i = 0; i < want.data.length; i++) {
        const diff = Math.abs(Number(have.data[i]) - Number(want.data[i]));
        if (!(diff <= atol + rtol * Math.abs(Number(want.data[i])))) return { ok: false, case: index, output: name, index: i, expected: want.data[i], got: have.data[i] };
        maxAbsDiff = Math.max(maxAbsDiff, diff);
      }
    }
  }
  return { ok: true, cases: golden.cases.length, maxAbsDiff, checked, runtime: 'node', onnxruntime: ort.env.versions?.common ?? manifest.versions.onnxruntime, runtimePath: where };
}

function parseArgs(args) {
  const options = { topK: 5 };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = args[i + 1];
    if (!['--input', '--csv', '--batch', '--top-k'].includes(flag) || value === undefined) throw new Exit(2, `unknown or incomplete option ${flag}; use predict --input JSON | --csv FILE | --batch FILE.jsonl [--top-k K]`);
    if (flag === '--top-k') options.topK = Number(value);
    else options[flag.slice(2)] = value;
    i++;
  }
  const given = ['input', 'csv', 'batch'].filter((key) => key in options);
  if (given.length !== 1) throw new Exit(2, 'predict takes exactly one of --input JSON, --csv FILE or --batch FILE.jsonl');
  return options;
}

function parseJson(text, what) {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Exit(2, `${what} is not JSON: ${error.message}`);
  }
}

/** The inputs to predict, one per line of output. */
function predictInputs(options) {
  if (options.input !== undefined) return [parseJson(options.input, '--input')];
  const read = (file) => {
    try {
      return readFileSync(path.resolve(file), 'utf8');
    } catch (error) {
      throw new Exit(2, `cannot read ${file}: ${error.message}`);
    }
  };
  if (options.batch !== undefined) return read(options.batch).split('\n').filter((l) => l.trim() !== '').map((line, i) => parseJson(line, `line ${i + 1} of ${options.batch}`));
  const rows = read(options.csv).split(/\r?\n/).filter((l) => l.trim() !== '').map((l) => l.split(/[,;\t]/).map((c) => c.trim().replace(/^"(.*)"$/, '$1')));
  const isNumeric = (cells) => cells.every((c) => c !== '' && Number.isFinite(Number(c)));
  const numeric = rows.length > 0 && !isNumeric(rows[0]) ? rows.slice(1) : rows;
  const bad = numeric.findIndex((cells) => !isNumeric(cells));
  if (bad >= 0) throw new Exit(2, `row ${bad + 1 + rows.length - numeric.length} of ${options.csv} is not all numbers (only a header row may be)`);
  return numeric.map((cells) => [cells.map(Number)]);
}

async function predict(ort, manifest, args) {
  const options = parseArgs(args);
  const session = await ort.InferenceSession.create(path.join(root, 'model.onnx'));
  for (const given of predictInputs(options)) {
    const outputs = await run(session, feedsOf(ort, manifest, given));
    const first = outputs[session.outputNames[0]];
    process.stdout.write(`${JSON.stringify({ outputs, topK: topK(manifest, first, options.topK) })}\n`);
  }
}

async function main(argv) {
  const [command, ...rest] = argv;
  if (!['verify', 'self-test', 'predict'].includes(command ?? '')) throw new Exit(2, 'usage: run.mjs verify | self-test | predict [--input JSON | --csv FILE | --batch FILE.jsonl]');
  const checked = verify();
  if (command === 'verify') return void process.stdout.write(`${JSON.stringify({ ok: true, checked })}\n`);
  const manifest = JSON.parse(readFileSync(path.join(root, 'manifest.json'), 'utf8'));
  const { ort, where } = loadRuntime(manifest);
  if (command === 'predict') return predict(ort, manifest, rest);
  const result = await selfTest(ort, where, manifest, checked);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  if (!result.ok) throw new Exit(4, 'self-test failed: the outputs differ from the golden ones');
}

main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`orrery-package: ${error.message}\n`);
  process.exitCode = error instanceof Exit ? error.exitCode : 5;
});
