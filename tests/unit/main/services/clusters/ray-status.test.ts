import { describe, expect, it } from 'vitest';
import type { RayJobDetails } from '../../../../../main/services/clusters/ray/ray-client';
import { aggregateStatus, mapRayStatus } from '../../../../../main/services/clusters/ray/ray-status';
import { entrypoint } from '../../../../../main/services/clusters/ray/ray-backend';

const job = (fields: Partial<RayJobDetails>): RayJobDetails => ({
  submission_id: 'orrery-job_1',
  status: 'RUNNING',
  message: null,
  start_time: 1000,
  end_time: null,
  metadata: {},
  entrypoint: 'python3 a.py',
  ...fields,
});

describe("Ray's states onto Orrery's", () => {
  it('maps each state', () => {
    expect(mapRayStatus(job({ status: 'PENDING', message: 'Job has not started yet.' }))).toMatchObject({ state: 'queued', engineState: 'PENDING', startedAt: null });
    expect(mapRayStatus(job({ status: 'RUNNING' }))).toMatchObject({ state: 'running', startedAt: 1000, endedAt: null });
    expect(mapRayStatus(job({ status: 'SUCCEEDED', end_time: 2000, driver_exit_code: 0 }))).toMatchObject({ state: 'succeeded', exitCode: 0, endedAt: 2000 });
    expect(mapRayStatus(job({ status: 'STOPPED', message: 'Job was intentionally stopped.' }))).toMatchObject({ state: 'cancelled', reason: 'Job was intentionally stopped.' });
    expect(mapRayStatus(job({ status: 'FAILED', message: 'Job entrypoint command failed with exit code 1', driver_exit_code: 1 }))).toMatchObject({
      state: 'failed',
      engineState: 'FAILED',
      reason: 'Job entrypoint command failed with exit code 1',
      exitCode: 1,
    });
    expect(mapRayStatus(null)).toMatchObject({ state: 'lost' });
  });

  it('names the time limit when our timeout wrapper ended the job', () => {
    expect(mapRayStatus(job({ status: 'FAILED', driver_exit_code: 124, metadata: { orrery_time_limit_s: '600' } }))).toMatchObject({ state: 'failed', engineState: 'TIMEOUT', reason: 'time limit' });
    // Without a limit asked, exit 124 is the script's own.
    expect(mapRayStatus(job({ status: 'FAILED', driver_exit_code: 124, message: 'exit code 124' })).reason).toBe('exit code 124');
  });

  it('aggregates the trials of a sweep', () => {
    const done = mapRayStatus(job({ status: 'SUCCEEDED', end_time: 3000 }));
    const failed = mapRayStatus(job({ status: 'FAILED', end_time: 4000, driver_exit_code: 1 }));
    const running = mapRayStatus(job({ status: 'RUNNING' }));
    expect(aggregateStatus([done, running])).toMatchObject({ state: 'running', endedAt: null });
    expect(aggregateStatus([done, failed])).toMatchObject({ state: 'failed', endedAt: 4000, engineState: '1/2 succeeded, 1 failed, 0 running, 0 pending' });
    expect(aggregateStatus([done, done])).toMatchObject({ state: 'succeeded', startedAt: 1000 });
  });
});

describe('the entrypoint', () => {
  it('puts the SDK on PYTHONPATH, runs the script under the driver, quotes every word and wraps a time limit in timeout', () => {
    expect(entrypoint('python3', 'train.py', ["it's", '--lr=0.1'], undefined)).toBe(
      `PYTHONPATH="$PWD/_orrery_sdk\${PYTHONPATH:+:$PYTHONPATH}" 'python3' '_orrery_sdk/orrery_ray_driver.py' 'python3' 'train.py' 'it'\\''s' '--lr=0.1'`,
    );
    expect(entrypoint('python3', 'a.py', [], 2)).toContain("timeout -s TERM -k 30 120 'python3' '_orrery_sdk/orrery_ray_driver.py' 'python3' 'a.py'");
  });
});
