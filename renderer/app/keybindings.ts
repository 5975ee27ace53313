/** A parsed key chord such as `Ctrl+Shift+P`; `Ctrl` means Cmd on macOS. */
export interface KeyChord {
  readonly ctrl: boolean;
  readonly shift: boolean;
  readonly alt: boolean;
  readonly key: string;
}

/** The fields of a KeyboardEvent a chord is matched against. */
export interface KeyEventLike {
  readonly key: string;
  readonly code: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly shiftKey: boolean;
  readonly altKey: boolean;
}

/** Parses `Ctrl+Shift+P`, `Alt+1`, `Ctrl+Tab`, `Alt+]`. */
export function parseChord(text: string): KeyChord {
  const parts = text.split('+');
  const key = parts.pop() || '+';
  const mods = new Set(parts.map((part) => part.toLowerCase()));
  return { ctrl: mods.has('ctrl') || mods.has('cmd'), shift: mods.has('shift'), alt: mods.has('alt'), key };
}

const codeOfKey: Readonly<Record<string, string>> = { '[': 'BracketLeft', ']': 'BracketRight', '`': 'Backquote', ',': 'Comma' };

/** The physical key code a chord's key means (letters and digits by position, so Shift and layouts do not change them). */
function expectedCode(key: string): string | null {
  if (/^[A-Za-z]$/.test(key)) return `Key${key.toUpperCase()}`;
  if (/^[0-9]$/.test(key)) return `Digit${key}`;
  return codeOfKey[key] ?? null;
}

/** True when the event is the chord; on macOS (`mac`) Ctrl in a chord is the Cmd key. */
export function matchesChord(chord: KeyChord, event: KeyEventLike, mac = false): boolean {
  const primary = mac ? event.metaKey : event.ctrlKey;
  const other = mac ? event.ctrlKey : event.metaKey;
  if (primary !== chord.ctrl || other || event.shiftKey !== chord.shift || event.altKey !== chord.alt) return false;
  const code = expectedCode(chord.key);
  if (code !== null) return event.code === code;
  return event.key.toLowerCase() === chord.key.toLowerCase();
}

/** How a chord is written for the user on this platform. */
export function formatChord(text: string, mac = false): string {
  return mac ? text.replace(/\bCtrl\b/g, '⌘').replace(/\bAlt\b/g, '⌥').replace(/\bShift\b/g, '⇧') : text;
}
