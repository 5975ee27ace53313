import { readFile } from 'node:fs/promises';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { OrreryError } from '../../../app/contract/errors';
import type { OnnxInfo, TensorInfo } from '../../../app/contract/models';

/**
 * Inputs made from files and text: an image decoded in pure JS (pngjs, jpeg-js), resized (bilinear) and
 * normalized as the model's metadata_props declare; a CSV row; labels for the top-k.
 *
 * Metadata keys read (either the bare key or with a `preprocess.` prefix):
 * - `image_size` / `resize`: "224" or "224,224" (height, width); default: the input's fixed dims.
 * - `mean`, `std`: per channel, "0.485,0.456,0.406" or a JSON array; default 0 and 1.
 * - `scale`: pixels are divided by it before mean / std (default 255, so 0..1).
 * - `layout`: NCHW or NHWC (default: NCHW when dim 1 is 1 or 3).
 * - `color`: rgb, bgr or gray (default: gray for one channel, rgb for three).
 * - labels: `labels`, `classes` or `class_names`: a JSON array, or names separated by newlines or commas.
 */

export interface ImageSpec {
  height: number;
  width: number;
  channels: 1 | 3;
  layout: 'NCHW' | 'NHWC';
  color: 'rgb' | 'bgr' | 'gray';
  mean: number[];
  std: number[];
  scale: number;
  /** The tensor's dims (batch 1). */
  dims: number[];
}

function meta(info: OnnxInfo, key: string): string | undefined {
  return info.metadata[`preprocess.${key}`] ?? info.metadata[key];
}

function numbers(text: string, what: string): number[] {
  const trimmed = text.trim();
  const values: unknown = trimmed.startsWith('[') ? JSON.parse(trimmed) : trimmed.split(/[\s,;]+/).filter(Boolean).map(Number);
  if (!Array.isArray(values) || values.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw new OrreryError('invalid_file', `The model's metadata "${what}" is "${text}", not a list of numbers; write it as "0.5,0.5,0.5".`);
  }
  return values as number[];
}

/** Labels from the metadata (labels / classes / class_names), or null. */
export function labelsOf(info: OnnxInfo): string[] | null {
  const text = info.metadata.labels ?? info.metadata.classes ?? info.metadata.class_names;
  if (text === undefined) return null;
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (Array.isArray(parsed)) return parsed.map((v) => String(v));
    } catch {
      // Not JSON after all: fall through to separators.
    }
  }
  return trimmed.includes('\n') ? trimmed.split(/\r?\n/).map((s) => s.trim()) : trimmed.split(',').map((s) => s.trim());
}

export function signatureOf(inputs: readonly TensorInfo[]): string {
  return inputs.map((input) => `${input.name}: ${input.dtype} [${input.dims.map((d) => (d === null ? '?' : String(d))).join(', ')}]`).join('; ');
}

/** How an image becomes the model's single image input. */
export function imageSpec(info: OnnxInfo): ImageSpec {
  const input = info.inputs[0];
  if (info.inputs.length !== 1 || !input || input.dims.length !== 4) {
    throw new OrreryError('invalid_input', `An image input needs a model with one 4-d input (N, C, H, W or N, H, W, C); this model takes ${signatureOf(info.inputs)}.`);
  }
  if (input.dtype !== 'float32') throw new OrreryError('invalid_input', `An image input needs a float32 model input; this model takes ${signatureOf(info.inputs)}.`);
  const declared = meta(info, 'layout')?.toUpperCase();
  const layout: ImageSpec['layout'] = declared === 'NHWC' || declared === 'NCHW' ? declared : input.dims[1] === 1 || input.dims[1] === 3 ? 'NCHW' : 'NHWC';
  const [cDim, hDim, wDim] = layout === 'NCHW' ? [input.dims[1], input.dims[2], input.dims[3]] : [input.dims[3], input.dims[1], input.dims[2]];
  const size = meta(info, 'image_size') ?? meta(info, 'resize');
  const sized = size === undefined ? [] : numbers(size, 'image_size');
  const height = sized[0] ?? (typeof hDim === 'number' ? hDim : null);
  const width = sized[1] ?? sized[0] ?? (typeof wDim === 'number' ? wDim : null);
  if (!height || !width) throw new OrreryError('invalid_input', `The model's input ${input.name} has no fixed height and width and its metadata has no image_size; add image_size (e.g. "224,224") to its metadata_props.`);
  const colorMeta = meta(info, 'color')?.toLowerCase();
  const channels: 1 | 3 = cDim === 1 || colorMeta === 'gray' ? 1 : 3;
  const color: ImageSpec['color'] = channels === 1 ? 'gray' : colorMeta === 'bgr' ? 'bgr' : 'rgb';
  const mean = numbers(meta(info, 'mean') ?? '0', 'mean');
  const std = numbers(meta(info, 'std') ?? '1', 'std');
  const scale = numbers(meta(info, 'scale') ?? '255', 'scale')[0] ?? 255;
  if (std.some((s) => s === 0) || scale === 0) throw new OrreryError('invalid_file', "The model's metadata has a std or scale of 0; fix its metadata_props.");
  const dims = layout === 'NCHW' ? [1, channels, height, width] : [1, height, width, channels];
  return { height, width, channels, layout, color, mean, std, scale, dims };
}

/** RGBA pixels of a PNG or JPEG file. */
export async function decodeImage(file: string): Promise<{ width: number; height: number; rgba: Uint8Array }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new OrreryError('not_found', `Cannot read the image ${file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
      const png = PNG.sync.read(bytes);
      return { width: png.width, height: png.height, rgba: png.data };
    }
    if (bytes[0] === 0xff && bytes[1] === 0xd8) {
      const image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
      return { width: image.width, height: image.height, rgba: image.data };
    }
  } catch (error) {
    throw new OrreryError('invalid_file', `${file} could not be decoded as an image: ${(error as Error).message}`, { cause: error });
  }
  throw new OrreryError('invalid_file', `${file} is neither a PNG nor a JPEG image; convert it to one of those.`);
}

/** Bilinear resize of RGBA pixels, then scale, mean / std per channel, into the model's layout. */
export function imageTensor(image: { width: number; height: number; rgba: Uint8Array }, spec: ImageSpec): Float32Array {
  const { width: outW, height: outH, channels } = spec;
  const out = new Float32Array(outW * outH * channels);
  const xRatio = image.width / outW;
  const yRatio = image.height / outH;
  const pixel = (x: number, y: number, c: number): number => image.rgba[(y * image.width + x) * 4 + c]!;
  for (let y = 0; y < outH; y++) {
    const sy = Math.min(Math.max((y + 0.5) * yRatio - 0.5, 0), image.height - 1);
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, image.height - 1);
    const fy = sy - y0;
    for (let x = 0; x < outW; x++) {
      const sx = Math.min(Math.max((x + 0.5) * xRatio - 0.5, 0), image.width - 1);
      const x0 = Math.floor(sx);
      const x1 = Math.min(x0 + 1, image.width - 1);
      const fx = sx - x0;
      const rgb = [0, 1, 2].map((c) => (pixel(x0, y0, c) * (1 - fx) + pixel(x1, y0, c) * fx) * (1 - fy) + (pixel(x0, y1, c) * (1 - fx) + pixel(x1, y1, c) * fx) * fy);
      const values = channels === 1 ? [0.299 * rgb[0]! + 0.587 * rgb[1]! + 0.114 * rgb[2]!] : spec.color === 'bgr' ? [rgb[2]!, rgb[1]!, rgb[0]!] : rgb;
      for (let c = 0; c < channels; c++) {
        const mean = spec.mean[c] ?? spec.mean[0] ?? 0;
        const std = spec.std[c] ?? spec.std[0] ?? 1;
        const value = (values[c]! / spec.scale - mean) / std;
        const index = spec.layout === 'NCHW' ? c * outH * outW + y * outW + x : (y * outW + x) * channels + c;
        out[index] = value;
      }
    }
  }
  return out;
}

/** The numbers of one CSV row (commas, semicolons or tabs; quotes allowed). */
export function parseCsvRow(row: string): number[] {
  const line = row.trim().split(/\r?\n/)[0] ?? '';
  const separator = line.includes(',') ? ',' : line.includes(';') ? ';' : line.includes('\t') ? '\t' : /\s+/;
  const cells = line.split(separator).map((cell) => cell.trim().replace(/^"(.*)"$/, '$1').trim());
  if (cells.length === 0 || (cells.length === 1 && cells[0] === '')) throw new OrreryError('invalid_input', 'The CSV row is empty; give the feature values separated by commas.');
  return cells.map((cell, index) => {
    const value = Number(cell);
    if (cell === '' || !Number.isFinite(value)) throw new OrreryError('invalid_input', `CSV column ${index + 1} is "${cell}", not a number; give numbers only (encode categories first).`);
    return value;
  });
}
