/** Control commands: handled before the queue they control (DESIGN.md invariant 8). */
export type ControlCommand = 'stop' | 'new';

const pattern = /^\/(stop|new)(?:@[\w.-]+)?$/i;

/** The control command a message text is, if any ("/stop", "/STOP", "/stop@my_bot"). */
export function parseControl(text: string): ControlCommand | undefined {
  // Nearly every message is not a command: skip the regex unless it could be one.
  if (text.length > 40 || !text.trimStart().startsWith('/')) return undefined;
  const match = pattern.exec(text.trim());
  return match ? (match[1]!.toLowerCase() as ControlCommand) : undefined;
}
