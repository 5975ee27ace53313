import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Env, KernelInfo, KernelSpec } from '../../../app/models';
import { errorMessage } from '../../client/client-error';
import { useClient } from '../../client/context';
import { useAppStore } from '../../store/context';
import type { KernelChoice } from './notebook-session';

/** One entry of the picker. */
export interface KernelOption {
  readonly value: string;
  readonly label: string;
  readonly choice: KernelChoice;
  readonly disabled: boolean;
  /** The env's prefix, when the option is an env (tests and tooltips find it by that). */
  readonly prefix?: string;
}

/**
 * The picker's entries: the project's default env, each known env (those without ipykernel greyed out), and each
 * kernelspec that is not simply an env's own (`<env>:python3`).
 */
export function kernelOptions(envs: readonly Env[], specs: readonly KernelSpec[], defaultEnv: Env | null): KernelOption[] {
  const options: KernelOption[] = [{ value: '', label: defaultEnv ? `Project default (${defaultEnv.name})` : 'Project default env', choice: {}, disabled: false }];
  const seen = new Set<string>();
  for (const env of envs) {
    if (seen.has(env.id) || env.missing) continue;
    seen.add(env.id);
    options.push({
      value: `env:${env.id}`,
      label: `${env.name} — Python ${env.version}${env.hasIpykernel ? '' : ' (no ipykernel)'}`,
      choice: { envId: env.id },
      disabled: !env.hasIpykernel,
      prefix: env.prefix,
    });
  }
  for (const spec of specs) {
    if (spec.resourceDir === null) continue;
    options.push({
      value: `spec:${spec.envId ?? ''}|${spec.name}`,
      label: `${spec.displayName} (kernelspec ${spec.name})${spec.problem ? ` — ${spec.problem}` : ''}`,
      choice: { ...(spec.envId ? { envId: spec.envId } : {}), specName: spec.name },
      disabled: spec.problem !== null,
    });
  }
  return options;
}

/**
 * Where a kernel may run in a Docker sandbox (no network, limits, the project read-only): the base image and the
 * project image. Disabled, with the reason, while Docker is not available (null: not known yet).
 */
export function sandboxKernelOptions(docker: { available: boolean; message: string } | null): KernelOption[] {
  const problem = docker === null ? ' (asking Docker…)' : docker.available ? '' : ' (Docker is not available)';
  const targets = [
    { specName: 'sandbox:base', label: 'Sandbox — base image, no network' },
    { specName: 'sandbox:project', label: "Sandbox — project image, no network" },
  ];
  return targets.map(({ specName, label }) => ({
    value: choiceValue({ specName }),
    label: `${label}${problem}`,
    choice: { specName },
    disabled: docker?.available !== true,
    ...(docker && !docker.available ? { prefix: docker.message } : {}),
  }));
}

/** The option value of a choice. */
export function choiceValue(choice: KernelChoice): string {
  if (choice.specName) return `spec:${choice.envId ?? ''}|${choice.specName}`;
  return choice.envId ? `env:${choice.envId}` : '';
}

/** The option of a running kernel when the notebook made no choice: its sandbox, or its env. */
function runningValue(kernel: KernelInfo, options: readonly KernelOption[]): string {
  const value = kernel.sandbox ? choiceValue({ specName: kernel.specName }) : kernel.envId ? `env:${kernel.envId}` : '';
  return options.some((o) => o.value === value) ? value : '';
}

/** Envs and kernelspecs known to main: the store's list, plus what env.list / env.found / kernel.specs answer here. */
function useKernelSources() {
  const client = useClient();
  const storeEnvs = useAppStore((s) => s.envs);
  const defaultEnv = useAppStore((s) => s.defaultEnv);
  const [found, setFound] = useState<readonly Env[]>([]);
  const [specs, setSpecs] = useState<readonly KernelSpec[]>([]);
  const [docker, setDocker] = useState<{ available: boolean; message: string } | null>(null);
  const refresh = useCallback(
    async (discover: boolean) => {
      const [listed, listedSpecs, sandbox] = await Promise.all([
        client.call('env.list', discover ? { refresh: true } : undefined).catch(() => null),
        client.call('kernel.specs', undefined).catch(() => null),
        client.call('sandbox.status', undefined).catch((error: unknown) => ({ available: false, message: errorMessage(error) })),
      ]);
      if (listed) setFound((old) => [...listed.envs, ...old.filter((e) => !listed.envs.some((l) => l.id === e.id))]);
      if (listedSpecs) setSpecs(listedSpecs);
      setDocker({ available: sandbox.available, message: sandbox.message });
    },
    [client],
  );
  useEffect(() => {
    void refresh(false);
    const stops = [
      client.on('env.found', '*', ({ env }) => setFound((old) => [...old.filter((e) => e.id !== env.id), env])),
      client.on('env.discovered', '*', () => void refresh(false)),
    ];
    return () => stops.forEach((stop) => stop());
  }, [client, refresh]);
  const envs = useMemo(() => [...storeEnvs, ...found.filter((e) => !storeEnvs.some((s) => s.id === e.id))], [storeEnvs, found]);
  return { envs, specs, defaultEnv, docker, refresh };
}

/** Props of the kernel picker. */
export interface KernelPickerProps {
  readonly choice: KernelChoice;
  readonly kernel: KernelInfo | null;
  readonly onChoose: (choice: KernelChoice) => void;
}

/** Chooses the env, kernelspec or sandbox a notebook's kernel runs in; "↻" looks for envs (and Docker) again. */
export function KernelPicker({ choice, kernel, onChoose }: KernelPickerProps) {
  const { envs, specs, defaultEnv, docker, refresh } = useKernelSources();
  const options = useMemo(() => [...kernelOptions(envs, specs, defaultEnv), ...sandboxKernelOptions(docker)], [envs, specs, defaultEnv, docker]);
  const live = kernel && kernel.status !== 'dead' && kernel.status !== 'shutdown';
  // With no choice made, a running kernel's env is what the notebook uses.
  const value = choiceValue(choice) || (live ? runningValue(kernel, options) : '');
  return (
    <span className="kernel-picker">
      <select
        aria-label="Kernel environment"
        value={value}
        onChange={(e) => {
          const option = options.find((o) => o.value === e.target.value);
          if (option) onChoose(option.choice);
        }}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value} disabled={option.disabled} title={option.prefix} data-prefix={option.prefix}>
            {option.label}
          </option>
        ))}
      </select>
      <button type="button" className="icon-button" title="Look for environments again" aria-label="Refresh environments" onClick={() => void refresh(true)}>
        ↻
      </button>
    </span>
  );
}
