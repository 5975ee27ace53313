// Shared set-up of the model registry tests: a training script using the real Python SDK (resources/python) in a
// project that is a git work tree, so the run records its params, metrics, checkpoints, artifacts and git commit.
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '..', '..');
const sdkDir = path.join(repoRoot, 'resources', 'python');

const trainScript = `
import os, sys
import orrery
run = orrery.init(name="tiny-train", params={"lr": 0.05, "epochs": 3, "hidden": [8, 4]})
for epoch in range(3):
    run.log({"loss": 1.0 / (epoch + 1), "val_acc": 0.5 + 0.1 * epoch}, step=epoch)
    path = os.path.join("checkpoints", "epoch%d.pt" % epoch)
    with open(path, "wb") as f:
        f.write(("weights of epoch %d" % epoch).encode())
    run.save_checkpoint(path, step=epoch)
with open("model.onnx", "wb") as f:
    f.write(b"not really onnx")
run.log_artifact("model.onnx")
orrery.finish()
print(run.id)
`;

function git(cwd: string, ...args: string[]): string {
  const result = spawnSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.org', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.org' },
  });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout.trim();
}

/** Makes the project a git work tree with one commit holding the training script and a dataset; answers the commit. */
export async function commitProject(project: string): Promise<string> {
  await mkdir(path.join(project, 'checkpoints'), { recursive: true });
  await mkdir(path.join(project, 'data'), { recursive: true });
  await writeFile(path.join(project, 'train.py'), trainScript);
  await writeFile(path.join(project, 'data', 'train.csv'), 'x,y\n1,0\n2,1\n');
  git(project, 'init', '-q');
  git(project, 'add', 'train.py', 'data/train.csv');
  git(project, 'commit', '-q', '-m', 'train');
  return git(project, 'rev-parse', 'HEAD');
}

/** Runs train.py with the real SDK; answers the run id it printed. */
export function train(project: string): string {
  const result = spawnSync('python3', ['train.py'], {
    cwd: project,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, PYTHONPATH: sdkDir, PYTHONDONTWRITEBYTECODE: '1', ORRERY_PROJECT: project },
  });
  if (result.status !== 0) throw new Error(`train.py failed (${result.status}): ${result.stderr}`);
  return result.stdout.trim().split('\n').pop()!;
}
