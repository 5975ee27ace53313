/** Every area of the workbench, in activity-bar order. */
export const areaIds = ['projects', 'notebooks', 'environments', 'terminal', 'jobs', 'experiments', 'prompts', 'models', 'sandbox'] as const;

/** One area of the workbench. */
export type AreaId = (typeof areaIds)[number];

/** What the shell knows of an area before its feature is built: title and, if not built yet, which milestone brings it. */
export interface AreaMeta {
  readonly id: AreaId;
  readonly title: string;
  /** One line for tooltips and the palette. */
  readonly summary: string;
  /** Null when the area is built; else the milestone that brings it. */
  readonly arrivesWith: string | null;
}

/** Area metadata by id; `arrivesWith` names the open issue that builds it. */
export const areas: Readonly<Record<AreaId, AreaMeta>> = {
  projects: { id: 'projects', title: 'Projects', summary: 'The open project, recent projects, create and open', arrivesWith: null },
  notebooks: {
    id: 'notebooks',
    title: 'Notebooks',
    summary: 'Notebooks on real Jupyter kernels',
    arrivesWith: null,
  },
  environments: {
    id: 'environments',
    title: 'Environments',
    summary: 'Python environments: discover, create, install packages',
    arrivesWith: null,
  },
  terminal: { id: 'terminal', title: 'Terminal', summary: 'Integrated terminals in the project folder', arrivesWith: null },
  jobs: { id: 'jobs', title: 'Jobs', summary: 'Training jobs and their queue', arrivesWith: null },
  experiments: {
    id: 'experiments',
    title: 'Experiments',
    summary: 'Runs, metrics and live dashboards',
    arrivesWith: null,
  },
  prompts: { id: 'prompts', title: 'Prompts', summary: 'Prompt studio: providers, versioned prompts, side-by-side runs, history, test suites', arrivesWith: null },
  models: { id: 'models', title: 'Models', summary: 'Model registry: versions with lineage, ONNX inspection, inference, latency benchmarks, export', arrivesWith: null },
  sandbox: { id: 'sandbox', title: 'Sandbox', summary: 'Docker sandboxes: status, images, running containers, the warm pool, the audit log', arrivesWith: null },
};

/** True for a string naming an area. */
export function isAreaId(value: string): value is AreaId {
  return (areaIds as readonly string[]).includes(value);
}
