import ipaddr from 'ipaddr.js';

/**
 * The address a per-client budget is kept under. `request.ip` already honours TRUST_PROXY (and only then
 * X-Forwarded-For). An IPv4-mapped IPv6 address counts as the IPv4 one, and IPv6 counts per /64: one subscriber
 * usually holds a whole /64, so per-address budgets would be free to multiply.
 */
export function clientAddress(ip: string | undefined): string {
  if (!ip || !ipaddr.isValid(ip)) return 'unknown';
  const address = ipaddr.process(ip);
  if (address.kind() === 'ipv4') return address.toString();
  const parts = (address as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16));
  return `${parts.join(':')}::/64`;
}
