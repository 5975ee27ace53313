import type { ValidateFunction } from 'ajv';
import type { PromptMessage, VersionRef } from '../../../../app/contract/prompts';
import type { SamplingParams } from '../providers/types';
import type { SourcePos } from './yaml-reader';

export type { SourcePos } from './yaml-reader';

/** The model an llm-judge assertion asks. */
export interface SuiteJudge {
  readonly provider: string;
  readonly model: string;
  readonly params: SamplingParams;
  readonly at: SourcePos;
}

interface AssertionBase {
  readonly at: SourcePos;
}

/** One assertion, checked on every cell of its row. Text values may use the row's `{{variables}}`. */
export type SuiteAssertion = AssertionBase &
  (
    | { readonly type: 'equals' | 'contains' | 'not-contains'; readonly values: readonly string[]; readonly ignoreCase: boolean }
    | { readonly type: 'regex'; readonly pattern: RegExp }
    | { readonly type: 'is-json'; readonly schema: ValidateFunction | null }
    | { readonly type: 'json-schema'; readonly schema: ValidateFunction }
    | { readonly type: 'max-latency' | 'max-cost'; readonly threshold: number }
    | { readonly type: 'llm-judge'; readonly rubric: string; readonly judge: SuiteJudge | null }
  );

/** A prompt of the suite: a saved one at some versions, or messages written in the file. */
export type SuitePrompt =
  | {
      readonly kind: 'saved';
      readonly name: string;
      /** Versions by number or label; null: the latest. */
      readonly refs: readonly { readonly ref: VersionRef | null; readonly at: SourcePos }[];
      readonly label: string | null;
      readonly at: SourcePos;
    }
  | { readonly kind: 'inline'; readonly label: string; readonly messages: readonly PromptMessage[]; readonly params: SamplingParams; readonly at: SourcePos };

/** A model to run on: a configured provider (by name or id) and a model name. */
export interface SuiteTarget {
  readonly provider: string;
  readonly model: string;
  readonly params: SamplingParams;
  readonly label: string | null;
  readonly at: SourcePos;
}

/** A row of the matrix: its variables and assertions, with defaultTest's merged in. */
export interface SuiteTest {
  /** 1-based, as the matrix shows it. */
  readonly row: number;
  readonly description: string | null;
  readonly vars: Readonly<Record<string, string>>;
  readonly assert: readonly SuiteAssertion[];
  readonly at: SourcePos;
}

/** A parsed suite file. */
export interface SuiteSpec {
  /** The file name given to the parser (or `suite`), used in every message. */
  readonly file: string;
  readonly name: string | null;
  readonly description: string | null;
  readonly prompts: readonly SuitePrompt[];
  readonly targets: readonly SuiteTarget[];
  readonly tests: readonly SuiteTest[];
  readonly concurrency: number;
  readonly judge: SuiteJudge | null;
}
