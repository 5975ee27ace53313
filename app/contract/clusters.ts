import { z } from 'zod';
import { ack, call, noInput } from './define';
import { jobResourcesSchema } from './jobs';

export const clusterKinds = ['slurm', 'ray'] as const;
export const clusterTransports = ['local', 'ssh'] as const;

/** Id of a cluster profile (`clu_k3v9x2a1qz`). */
const clusterId = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only');
const absolutePath = z.string().min(1).max(4096);

/** Resources a job gets when it names none: the same fields a job asks for (each engine maps what it can). */
export const clusterDefaultsSchema = jobResourcesSchema;

/** A stored cluster profile; its secret (SSH key passphrase, Ray token) is never part of it, only whether one is kept. */
export const clusterProfileSchema = z.object({
  id: clusterId,
  name: z.string(),
  kind: z.enum(clusterKinds),
  /** Slurm: where sbatch/squeue run (this machine, or a login node over SSH). */
  transport: z.enum(clusterTransports).nullable(),
  host: z.string().nullable(),
  port: z.number().int().nullable(),
  user: z.string().nullable(),
  keyPath: z.string().nullable(),
  knownHostsPath: z.string().nullable(),
  /** Ray: the Jobs API address (http://host:8265). */
  address: z.string().nullable(),
  partition: z.string().nullable(),
  remoteDir: z.string().nullable(),
  defaults: clusterDefaultsSchema,
  /** Whether an encrypted secret is stored, and under which scheme. */
  secretStore: z.enum(['safe-storage', 'key-file']).nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
});

/** The fields a user gives for a profile (shared by add and update). */
const profileFields = {
  kind: z.enum(clusterKinds),
  transport: z.enum(clusterTransports).optional(),
  host: z.string().min(1).max(255).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  user: z.string().min(1).max(128).optional(),
  keyPath: absolutePath.optional(),
  knownHostsPath: absolutePath.optional(),
  address: z.string().min(1).max(2048).optional(),
  partition: z.string().min(1).max(200).optional(),
  remoteDir: z.string().min(1).max(4096).optional(),
  defaults: clusterDefaultsSchema.optional(),
  /** SSH key passphrase or Ray bearer token; encrypted before it is stored. */
  secret: z.string().min(1).max(16 * 1024).optional(),
};

export const clusterAddInput = z
  .object({ name: z.string().min(1).max(100), ...profileFields })
  .strict();

export const clusterUpdateInput = z
  .object({
    id: clusterId,
    name: z.string().min(1).max(100).optional(),
    ...profileFields,
    kind: z.enum(clusterKinds).optional(),
    /** True forgets the stored secret. */
    clearSecret: z.boolean().optional(),
  })
  .strict();

/** What `cluster.test` found: the engine answered, and what it has. */
export const clusterTestResultSchema = z.object({
  ok: z.literal(true),
  kind: z.enum(clusterKinds),
  /** The engine's version (Slurm's `sinfo --version`, Ray's /api/version). */
  version: z.string().nullable(),
  /** Slurm partitions (the default one marked). */
  partitions: z.array(z.object({ name: z.string(), isDefault: z.boolean(), available: z.string(), nodes: z.number().int(), state: z.string() })),
  /** Slurm nodes with their state and CPUs. */
  nodes: z.array(z.object({ name: z.string(), state: z.string(), cpus: z.number().int().nullable(), memoryMb: z.number().int().nullable() })),
  /** A line to show ("slurm 22.05.8: 1 partition, 1 node idle"). */
  summary: z.string(),
  elapsedMs: z.number(),
});

const byId = z.object({ id: z.string().min(1).max(100) }).strict();

/** Calls of the clusters domain: cluster profiles stored per user (secrets encrypted) and their test. */
export const clusterCalls = {
  'cluster.list': call('Every cluster profile of this user, in the order added', noInput, z.array(clusterProfileSchema)),
  'cluster.add': call('Add a cluster profile (Slurm on this machine or over SSH, or a Ray Jobs API address)', clusterAddInput, clusterProfileSchema),
  'cluster.update': call('Change a cluster profile; fields left out keep their value', clusterUpdateInput, clusterProfileSchema),
  'cluster.remove': call('Forget a cluster profile and its stored secret', byId, ack),
  'cluster.test': call(
    'Reach the cluster: Slurm runs sinfo (locally or over SSH) and lists partitions and nodes; Ray asks /api/version',
    byId,
    clusterTestResultSchema,
  ),
} as const;

/** Events of the clusters domain. */
export const clusterEvents = {} as const;

/** A cluster profile as clients hold it. */
export type ClusterProfileView = Readonly<z.output<typeof clusterProfileSchema>>;
/** What `cluster.test` answers. */
export type ClusterTestResult = Readonly<z.output<typeof clusterTestResultSchema>>;
