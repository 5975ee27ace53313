import { z } from 'zod';
import { ack, call, event, noInput } from './define';
import { taskIdSchema } from './system';

const path = z.string().min(1).max(4096);
/** Id of an environment: stable for one interpreter prefix (derived from its real path). */
export const envIdSchema = z.string().min(1).max(128);

export const envKinds = ['system', 'pyenv', 'venv', 'conda', 'uv'] as const;

/** One Python environment, as resolved by running the probe script with its interpreter. */
export const envSchema = z.object({
  id: envIdSchema,
  /** Display name: the conda env's name, the venv's folder, "Python 3.11 (system)". */
  name: z.string(),
  kind: z.enum(envKinds),
  /** The interpreter (`bin/python` of the env). */
  python: z.string(),
  /** `sys.prefix`. */
  prefix: z.string(),
  /** Real path of the interpreter; two candidates with the same real path are one env. */
  realPath: z.string(),
  /** `3.11.2`. */
  version: z.string(),
  hasIpykernel: z.boolean(),
  hasPip: z.boolean(),
  /** Which locators found it: `path`, `pyenv`, `project`, `virtualenvs`, `conda`, `uv`, `created`, `registered`. */
  sources: z.array(z.string()),
  /** When the probe last ran. */
  probedAt: z.number(),
  /** The env's folder or interpreter is gone since it was listed (shown greyed, with a reason). */
  missing: z.boolean(),
});

export const envPackageSchema = z.object({
  name: z.string(),
  version: z.string(),
  /** Set for editable installs (the source folder). */
  editableLocation: z.string().nullable(),
});

/** A snapshot of an env's exact package set, kept in the project store. */
export const envLockSchema = z.object({
  id: z.string(),
  envId: envIdSchema,
  envName: z.string(),
  createdAt: z.number(),
  /** `pip` (pip freeze) or `conda` (conda env export). */
  format: z.enum(['pip', 'conda']),
  /** sha256 of `content`. */
  hash: z.string(),
  packageCount: z.number().int(),
  pythonVersion: z.string(),
  note: z.string().nullable(),
  /** The freeze / export text; absent in lists. */
  content: z.string().optional(),
});

export const envDiffSchema = z.object({
  added: z.array(z.object({ name: z.string(), version: z.string() })),
  removed: z.array(z.object({ name: z.string(), version: z.string() })),
  changed: z.array(z.object({ name: z.string(), from: z.string(), to: z.string() })),
  unchanged: z.number().int(),
});

/** What kinds of env this machine can create: each needs its tool. */
export const envToolsSchema = z.object({
  venv: z.boolean(),
  conda: z.string().nullable(),
  uv: z.string().nullable(),
  pythons: z.array(z.object({ python: z.string(), version: z.string() })),
});

const createInput = z
  .object({
    kind: z.enum(['venv', 'conda', 'uv']),
    /** Where the env goes; defaults to `<project>/.venv` for venv and uv, a named env for conda. */
    path: path.optional(),
    /** conda env name (when no path is given). */
    name: z.string().min(1).max(200).optional(),
    /** The base interpreter (venv, uv) or Python version (conda, uv: `3.11`). */
    python: z.string().min(1).max(4096).optional(),
    /** venv only: `--system-site-packages`. */
    systemSitePackages: z.boolean().optional(),
    /** Make it the project's default env when created (default true). */
    makeDefault: z.boolean().optional(),
    taskId: taskIdSchema.optional(),
  })
  .strict();

/** Calls on Python environments: discovery, creation, packages, locks. */
export const envCalls = {
  'env.list': call(
    'Known environments from the cache at once; `refresh` starts discovery in the background (env.found events, then env.discovered)',
    z.object({ refresh: z.boolean().optional() }).strict().optional(),
    z.object({ envs: z.array(envSchema), discovering: z.boolean() }),
  ),
  'env.get': call('One environment, probed again', z.object({ id: envIdSchema }).strict(), envSchema),
  'env.register': call(
    'Add an interpreter or env folder that discovery does not find (probed first)',
    z.object({ path }).strict(),
    envSchema,
  ),
  'env.tools': call('Which env kinds this machine can create, and the Pythons to build them from', noInput, envToolsSchema),
  'env.create': call('Create a venv, conda or uv env; answers when it is ready (progress on taskId)', createInput, envSchema),
  'env.default': call("The open project's default env, or null", noInput, envSchema.nullable()),
  'env.setDefault': call("Set (or clear, with null) the open project's default env", z.object({ id: envIdSchema.nullable() }).strict(), ack),
  'env.packages': call('Installed packages (pip list / conda list JSON)', z.object({ id: envIdSchema }).strict(), z.array(envPackageSchema)),
  'env.install': call(
    'Install or upgrade packages: names or specs, a requirements file, a wheel or sdist, a folder (editable), a git URL; output on taskId; on failure the env is restored',
    z
      .object({
        id: envIdSchema,
        specs: z.array(z.string().min(1).max(4096)).max(500).default([]),
        requirementsFile: path.optional(),
        /** Folders installed with `-e`. */
        editable: z.array(path).max(50).optional(),
        upgrade: z.boolean().optional(),
        taskId: taskIdSchema.optional(),
      })
      .strict(),
    z.object({ packages: z.array(envPackageSchema) }),
  ),
  'env.uninstall': call(
    'Uninstall packages by name; output on taskId',
    z.object({ id: envIdSchema, names: z.array(z.string().min(1).max(200)).min(1).max(500), taskId: taskIdSchema.optional() }).strict(),
    z.object({ packages: z.array(envPackageSchema) }),
  ),
  'env.lock': call(
    "Snapshot an env's exact package set into the project store",
    z.object({ id: envIdSchema, note: z.string().max(500).optional() }).strict(),
    envLockSchema,
  ),
  'env.locks': call('Snapshots in the project store, newest first', z.object({ id: envIdSchema.optional() }).strict().optional(), z.array(envLockSchema)),
  'env.lockGet': call('One snapshot with its content', z.object({ lockId: z.string().min(1).max(128) }).strict(), envLockSchema),
  'env.diff': call(
    'Difference between two snapshots',
    z.object({ from: z.string().min(1).max(128), to: z.string().min(1).max(128) }).strict(),
    envDiffSchema,
  ),
  'env.export': call(
    'A snapshot as requirements.txt or environment.yml',
    z.object({ lockId: z.string().min(1).max(128), format: z.enum(['requirements', 'environment-yml']) }).strict(),
    z.object({ fileName: z.string(), text: z.string() }),
  ),
  'env.recreate': call(
    'Create a new env holding exactly the packages of a snapshot',
    z.object({ lockId: z.string().min(1).max(128) }).extend(createInput.shape).strict(),
    envSchema,
  ),
} as const;

/** Events about environments (global, id ""). */
export const envEvents = {
  'env.found': event('Discovery resolved (or re-probed) an environment', z.object({ env: envSchema })),
  'env.discovered': event('A discovery pass ended', z.object({ count: z.number().int(), ms: z.number() })),
  'env.defaultChanged': event("The open project's default env changed", z.object({ env: envSchema.nullable() })),
} as const;
