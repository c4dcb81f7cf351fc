import { userInfo } from 'node:os';

/** How the audit log names someone acting through the CLI: with the store's credentials, as this OS user. */
export function cliActor(): string {
  try {
    return `cli (${userInfo().username})`;
  } catch {
    // No passwd entry for the uid (some containers).
    return `cli (uid ${process.getuid?.() ?? 'unknown'})`;
  }
}
