import { lowerThreadPriority as lowerLinuxThreadPriority } from '../node/thread-priority.ts';

/*
 * Deno asks the user at a terminal before reading /proc or changing a priority without the
 * permission (--allow-read, --allow-sys). A dataset worker must never stop at a prompt, so it lowers
 * its priority only when both are already granted, and runs at normal priority otherwise.
 */

declare const Deno: { permissions: { querySync(descriptor: { name: string; kind?: string; path?: string }): { state: string } } };

export function lowerThreadPriority(): void {
  const granted = (descriptor: { name: string; kind?: string; path?: string }) => Deno.permissions.querySync(descriptor).state === 'granted';
  if (granted({ name: 'read', path: '/proc/thread-self' }) && granted({ name: 'sys', kind: 'setPriority' })) lowerLinuxThreadPriority();
}
