import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import * as tar from 'tar';
import { OrreryError } from '../../../app/contract';
import { packageManifestSchema, type PackageManifest, type PackageVerifyResult } from '../../../app/contract/packages';
import { sha256File } from './package-files';

/** What a package's tar.gz holds: one top folder, and each regular file's hash (small control files kept whole). */
interface Listing {
  top: string | null;
  hashes: Map<string, string>;
  kept: Map<string, Buffer>;
  /** The first entry that is neither a file nor a folder under the one top folder (a link, `..`, a second top). */
  refused: { path: string; problem: string } | null;
}

const keptFiles = new Set(['SHA256SUMS', 'manifest.json']);

/** Reads every entry of the tar.gz, hashing its files; nothing is written to disk. */
async function readListing(file: string): Promise<Listing> {
  const listing: Listing = { top: null, hashes: new Map(), kept: new Map(), refused: null };
  const refuse = (entryPath: string, problem: string): void => {
    listing.refused ??= { path: entryPath, problem };
  };
  await tar.t({
    file,
    strict: true,
    onReadEntry: (entry) => {
      const parts = entry.path.replace(/\/+$/, '').split('/');
      const top = parts[0] ?? '';
      const relative = parts.slice(1).join('/');
      if (entry.path.startsWith('/') || parts.includes('..') || top === '' || top === '.') refuse(entry.path, 'an absolute path or one that climbs out with ..');
      else if (listing.top !== null && top !== listing.top) refuse(entry.path, `a second top folder (the first is ${listing.top})`);
      listing.top ??= top;
      if (entry.type === 'Directory') return void entry.resume();
      if (entry.type !== 'File' && entry.type !== 'OldFile') {
        refuse(entry.path, `a ${entry.type} entry (a package holds files and folders only)`);
        return void entry.resume();
      }
      const digest = createHash('sha256');
      const chunks: Buffer[] = [];
      entry.on('data', (chunk: Buffer) => {
        digest.update(chunk);
        if (keptFiles.has(relative)) chunks.push(chunk);
      });
      entry.on('end', () => {
        listing.hashes.set(relative, digest.digest('hex'));
        if (keptFiles.has(relative)) listing.kept.set(relative, Buffer.concat(chunks));
      });
    },
  });
  return listing;
}

/** SHA256SUMS lines as path → hash; null when a line is malformed. */
function parseSums(text: string): Map<string, string> | null {
  const sums = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!match) return null;
    sums.set(match[2]!, match[1]!);
  }
  return sums;
}

function parseManifest(bytes: Buffer | undefined): PackageManifest | null {
  if (!bytes) return null;
  try {
    const parsed = packageManifestSchema.safeParse(JSON.parse(bytes.toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The first file that fails against SHA256SUMS: listed but missing or different, or present but not listed. */
function firstBad(listing: Listing): { bad: PackageVerifyResult['bad']; checked: number } {
  if (listing.refused) return { bad: listing.refused, checked: 0 };
  const sumsBytes = listing.kept.get('SHA256SUMS');
  if (!sumsBytes) return { bad: { path: 'SHA256SUMS', problem: 'missing: the package cannot be checked' }, checked: 0 };
  const sums = parseSums(sumsBytes.toString('utf8'));
  if (!sums) return { bad: { path: 'SHA256SUMS', problem: 'malformed (a line is not "<sha256>  <path>")' }, checked: 0 };
  let checked = 0;
  for (const [file, hash] of sums) {
    const actual = listing.hashes.get(file);
    if (actual === undefined) return { bad: { path: file, problem: 'listed in SHA256SUMS but missing' }, checked };
    if (actual !== hash) return { bad: { path: file, problem: `SHA-256 ${actual} differs from ${hash} in SHA256SUMS` }, checked };
    checked++;
  }
  const extra = [...listing.hashes.keys()].sort().find((file) => file !== 'SHA256SUMS' && !sums.has(file));
  if (extra !== undefined) return { bad: { path: extra, problem: 'not listed in SHA256SUMS' }, checked };
  return { bad: null, checked };
}

/** True when the file starts like gzip (1f 8b); anything else is not a package. */
async function looksGzip(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(2);
    await handle.read(head, 0, 2, 0);
    return head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** Checks a package's tar.gz: every file against SHA256SUMS, one top folder, no links; names the first bad file. */
export async function verifyPackageFile(file: string): Promise<PackageVerifyResult> {
  if (!(await looksGzip(file))) throw new OrreryError('invalid_file', `${file} is not a gzip file, so not an Orrery edge package (.tar.gz); give the file \`orrery model package\` wrote.`);
  let listing: Listing;
  try {
    listing = await readListing(file);
  } catch (error) {
    throw new OrreryError('invalid_file', `${file} is not a readable tar.gz (${error instanceof Error ? error.message : String(error)}); copy the package again.`, { cause: error });
  }
  if (listing.top === null) throw new OrreryError('invalid_file', `${file} is an empty archive, not an Orrery edge package.`);
  const { bad, checked } = firstBad(listing);
  const manifest = parseManifest(listing.kept.get('manifest.json'));
  const manifestBad = bad === null && manifest === null ? { path: 'manifest.json', problem: 'not an orrery-edge-package/1 manifest' } : null;
  const sha256 = await sha256File(file);
  const { size } = await stat(file);
  return { ok: bad === null && manifestBad === null, file, sha256, size, checked, bad: bad ?? manifestBad, manifest };
}
