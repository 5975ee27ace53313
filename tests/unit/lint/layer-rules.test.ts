import { ESLint } from 'eslint';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..', '..', '..');
const eslint = new ESLint({ cwd: root });

/** Lints a source text as if it lived at `file`, answering the messages of the import rule. */
async function importProblems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layer rules (lint)', () => {
  it('keep the renderer away from main/, preload/, electron and Node', async () => {
    expect(await importProblems('renderer/app/x.ts', "import { createCore } from '../../main/core/core';\nexport const a = createCore;\n")).toHaveLength(1);
    expect(await importProblems('renderer/app/x.ts', "import { readFile } from 'node:fs/promises';\nexport const a = readFile;\n")).toHaveLength(1);
    expect(await importProblems('renderer/app/x.ts', "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;\n")).toHaveLength(1);
    expect(await importProblems('renderer/app/x.ts', "import { calls } from '../../app/contract';\nexport const a = calls;\n")).toHaveLength(0);
  });

  it('keep services and core free of electron and of the Electron-only folders', async () => {
    expect(await importProblems('main/services/x/y.ts', "import { app } from 'electron';\nexport const a = app;\n")).toHaveLength(1);
    expect(await importProblems('main/core/x.ts', "import { a } from '../platform/electron-platform';\nexport const b = a;\n")).toHaveLength(1);
    expect(await importProblems('main/services/x/y.ts', "import path from 'node:path';\nexport const a = path;\n")).toHaveLength(0);
  });

  it('keep app/ pure', async () => {
    expect(await importProblems('app/lib/x.ts', "import os from 'node:os';\nexport const a = os;\n")).toHaveLength(1);
    expect(await importProblems('app/lib/x.ts', "import { z } from 'zod';\nexport const a = z;\n")).toHaveLength(0);
  });
});
