import type { Selectable } from 'kysely';
import type { Permission } from '../auth/identity.ts';
import type { Database } from '../store/schema.ts';
import { formatTime } from '../results/times.ts';
import type { Waiver } from './schemas.ts';
import { subjectDict } from './subject.ts';

/** A waiver row as the store returns it. */
export type WaiverRow = Selectable<Database['waiver']>;

/** WaiverDB's waiver JSON; `expires_at` only when set, so ordinary waivers look exactly as upstream's. */
export function serializeWaiver(r: WaiverRow): Waiver {
  const w: Waiver = {
    comment: r.comment,
    id: r.id,
    product_version: r.product_version,
    proxied_by: r.proxied_by,
    scenario: r.scenario,
    subject: subjectDict(r.subject_type, r.subject_identifier),
    subject_identifier: r.subject_identifier,
    subject_type: r.subject_type,
    testcase: r.testcase,
    timestamp: formatTime(r.timestamp),
    username: r.username,
    waived: Boolean(r.waived),
  };
  if (r.expires_at !== null) w.expires_at = formatTime(r.expires_at);
  return w;
}

const escapeHtml = (s: unknown) =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' })[c]!);

/** The `/permissions?html=1` page: upstream's columns, every value escaped. */
export function permissionsHtml(permissions: readonly Permission[]): string {
  const list = (items: readonly string[] | undefined) => `<ul>${(items ?? []).map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`;
  const rows = permissions.map(
    (p) =>
      `<tr><td>${escapeHtml(p.name)}</td><td>${list(p.maintainers)}</td><td>${list(p.testcases)}</td>` +
      `<td>${list(p.groups)}</td><td>${list(p.users)}</td><td>${escapeHtml(p.description)}</td></tr>`,
  );
  return [
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8"><title>WaiverDB: Permissions</title></head><body>',
    '<table>',
    '<thead><tr><th>Name</th><th>Maintainers</th><th>Testcases</th><th>Groups</th><th>Users</th><th>Description</th></tr></thead>',
    `<tbody>${rows.join('\n')}</tbody>`,
    '</table>',
    '</body></html>',
    '',
  ].join('\n');
}
