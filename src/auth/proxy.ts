import { BlockList, isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';
import type { Identity, ProxyAuthConfig } from './identity.ts';

/**
 * A front proxy (httpd/nginx terminating Kerberos or client certificates) names the user in a
 * header. The header is believed only from the configured proxy addresses: anyone else could set it.
 */
export function createProxyAuth(cfg: ProxyAuthConfig): (req: FastifyRequest) => Identity | string {
  const trusted = new BlockList();
  for (const entry of cfg.trusted_proxies) {
    const [addr, bits] = entry.split('/');
    const type = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
    if (!isIP(addr)) throw new Error(`proxy_auth.trusted_proxies: not an address or CIDR range: ${entry}`);
    if (bits === undefined) trusted.addAddress(addr, type);
    else trusted.addSubnet(addr, Number(bits), type);
  }
  const userHeader = cfg.user_header.toLowerCase();
  const groupsHeader = cfg.groups_header?.toLowerCase();
  return (req) => {
    const remote = unmapped(req.socket?.remoteAddress ?? req.ip ?? '');
    const user = first(req.headers[userHeader])?.trim();
    if (!user) return `No ${cfg.user_header} header`;
    if (!remote || !trusted.check(remote, isIP(remote) === 6 ? 'ipv6' : 'ipv4')) return 'Request did not come from a trusted proxy';
    const groupsRaw = groupsHeader ? first(req.headers[groupsHeader]) : undefined;
    const groups = groupsRaw === undefined ? null : groupsRaw.split(',').map((g) => g.trim()).filter(Boolean);
    // A Kerberos principal user@REALM loses its realm, as in WaiverDB; a certificate DN stays whole.
    const principal = /^([^@\s,=/]+)@[^@\s,=]+$/.exec(user);
    return { user: principal ? principal[1] : user, groups, method: 'proxy' };
  };
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** `::ffff:10.0.0.1` is the IPv4 client 10.0.0.1 on a dual-stack socket. */
function unmapped(addr: string): string {
  return addr.startsWith('::ffff:') && isIP(addr.slice(7)) === 4 ? addr.slice(7) : addr;
}
