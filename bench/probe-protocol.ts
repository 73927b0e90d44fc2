/** Messages between the bench and bench/app-probe.ts in the app child. */
export type ProbeCommand =
  | { cmd: 'reset'; recordSql?: boolean }
  | { cmd: 'count' }
  | { cmd: 'profile-start' }
  | { cmd: 'profile-stop'; path: string };

export type ProbeRequest = ProbeCommand & { id: number };

export interface ProbeReply {
  id: number;
  error?: string;
  statements?: number;
  sql?: string[];
}
