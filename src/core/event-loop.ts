/**
 * Hands the event loop back until its next turn: requests that arrived meanwhile are served before the
 * caller goes on. Long work on the request thread is cut into steps with this between them.
 */
export const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
