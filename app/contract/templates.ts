import { z } from 'zod';
import { call, noInput } from './define';

/** One option of a template's script, shown as a field of the new-job form. */
export const templateArgSchema = z
  .object({
    flag: z.string().regex(/^--[a-z0-9][a-z0-9-]*$/, 'a long option such as --epochs'),
    label: z.string().min(1).max(100),
    type: z.enum(['int', 'float', 'choice', 'string']),
    default: z.union([z.number(), z.string()]),
    min: z.number().optional(),
    choices: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();

/** A training script the new-job wizard offers (`resources/templates/<id>/template.json`). */
export const jobTemplateSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    title: z.string().min(1).max(200),
    description: z.string().max(2000),
    /** The script, relative to the template's folder. */
    script: z.string().min(1),
    /** Python modules the env needs. */
    requires: z.array(z.string()),
    /** Whether the script uses a GPU when one is visible. */
    gpu: z.boolean(),
    args: z.array(templateArgSchema),
  })
  .strict();

/** Calls on the job templates shipped with Orrery. */
export const templateCalls = {
  'template.list': call('The job templates shipped with Orrery (PyTorch, scikit-learn / XGBoost)', noInput, z.array(jobTemplateSchema)),
  'template.install': call(
    "Copy a template's folder into the open project (`templates/<id>/`), keeping files already there, so its script can be run and edited; answers the script's path",
    z.object({ id: z.string().min(1).max(100) }).strict(),
    z.object({ script: z.string(), created: z.boolean() }),
  ),
} as const;
