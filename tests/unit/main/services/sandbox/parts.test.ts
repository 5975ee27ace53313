import { describe, expect, it } from 'vitest';
import { csvField, sessionsCsv } from '../../../../../main/services/sandbox/audit';
import { commandLine } from '../../../../../main/services/sandbox/exec-session';
import { containerPathOf, demuxBuffer, jobEnv, limitsFor } from '../../../../../main/services/sandbox/job-backend';
import { defaultLimits } from '../../../../../main/services/sandbox/hardening';
import { exitCodeOf } from '../../../../../main/server/commands/sandbox';

describe('audit export', () => {
  it('quotes CSV fields and defuses spreadsheet formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('=cmd()')).toBe("'=cmd()");
  });

  it('writes one row per session with ISO times and artifacts', () => {
    const csv = sessionsCsv([
      {
        id: 's1', kind: 'exec', command: "sh -c 'echo 1,2'", image: 'orrery/base:bookworm-1', limits: defaultLimits, network: false,
        startedAt: Date.UTC(2026, 0, 2, 3, 4, 5), endedAt: null, exitCode: null, status: 'running', durationMs: null,
        outputTruncated: false, artifacts: [{ path: 'a.txt', hash: 'ab'.repeat(32), size: 1 }], skipped: [], containerId: null, message: null,
      },
    ]);
    const [, row] = csv.split('\r\n');
    expect(row).toBe(`s1,exec,"sh -c 'echo 1,2'",orrery/base:bookworm-1,false,1024,1,256,600,2026-01-02T03:04:05.000Z,,,running,,false,a.txt=${'ab'.repeat(32)},`);
  });

  it('shows commands as one shell-quoted line', () => {
    expect(commandLine(['python3', '-c', "print('x y')"])).toBe(`python3 -c 'print('\\''x y'\\'')'`);
  });
});

describe('sandbox job backend parts', () => {
  it('maps project paths under /project and refuses paths outside', () => {
    expect(containerPathOf('/p', '/p/src/train.py', 'script')).toBe('/project/src/train.py');
    expect(containerPathOf('/p', '/p', 'working folder')).toBe('/project');
    expect(() => containerPathOf('/p', '/etc/passwd', 'script')).toThrow(/outside the project/);
  });

  it('passes only ORRERY_* and CUDA variables, with the project and SDK paths of the container', () => {
    const env = jobEnv({ PATH: '/home/u/.venv/bin', VIRTUAL_ENV: '/home/u/.venv', ORRERY_RUN_ID: 'r1', ORRERY_PROJECT: '/home/u/p', ORRERY_RESUME: '/home/u/p/ckpt', CUDA_VISIBLE_DEVICES: '0' });
    expect(env).toEqual({ PYTHONUNBUFFERED: '1', PYTHONPATH: '/opt/orrery/python', ORRERY_RUN_ID: 'r1', ORRERY_PROJECT: '/project', CUDA_VISIBLE_DEVICES: '0' });
  });

  it("takes a job's memory, CPUs and time limit over the defaults", () => {
    expect(limitsFor({ memoryMb: 512, cpus: 2, timeLimitMinutes: 3 }, defaultLimits)).toMatchObject({ memoryMb: 512, cpus: 2, timeoutS: 180, network: false });
    expect(limitsFor({}, defaultLimits).timeoutS).toBe(24 * 3600);
  });

  it('de-multiplexes a Docker log buffer', () => {
    const frame = (stream: number, text: string) => {
      const header = Buffer.alloc(8);
      header[0] = stream;
      header.writeUInt32BE(Buffer.byteLength(text), 4);
      return Buffer.concat([header, Buffer.from(text)]);
    };
    expect(demuxBuffer(Buffer.concat([frame(1, 'hello '), frame(1, 'world')])).toString()).toBe('hello world');
  });

  it('gives the CLI exit codes of timeout(1) and the shell', () => {
    expect(exitCodeOf('ok', 0)).toBe(0);
    expect(exitCodeOf('error', 3)).toBe(3);
    expect(exitCodeOf('timeout', 137)).toBe(124);
    expect(exitCodeOf('oom', 137)).toBe(137);
    expect(exitCodeOf('cancelled', null)).toBe(130);
  });
});
