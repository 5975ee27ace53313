import { useAppStore } from '../../store/context';

/** The env a job or sweep runs in: the project's default (empty value), or one of the envs found (missing ones left out). */
export function EnvSelect({ value, onChange }: { value: string; onChange: (envId: string) => void }) {
  const envs = useAppStore((s) => s.envs);
  const defaultEnv = useAppStore((s) => s.defaultEnv);
  return (
    <label className="field">
      <span>Environment</span>
      <select className="text-input" aria-label="Environment" value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{defaultEnv ? `The project's (${defaultEnv.name})` : "The project's default"}</option>
        {envs
          .filter((env) => !env.missing)
          .map((env) => (
            <option key={env.id} value={env.id} data-prefix={env.prefix}>
              {env.name} — Python {env.version}
            </option>
          ))}
      </select>
    </label>
  );
}
