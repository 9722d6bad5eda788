/** Discovered streams in the one JSON dialect (HTTP and `patchbay discover --json`). */
import type { DiscoveredStream, DiscoverResult, SkippedItem } from '../../run/operations/discover.js';
import type { StoredDiscoveredStream } from '../store/discovered-streams.js';
import { compact, type Json } from './resources.js';

export function presentDiscoveredStream(s: DiscoveredStream | StoredDiscoveredStream): Json {
  return compact({
    name: s.name,
    family: s.family,
    key: s.key,
    title: s.title,
    primary_key: s.primaryKey,
    item: s.item,
    discovered_at: 'discoveredAt' in s ? s.discoveredAt : undefined,
  });
}

export function presentSkipped(s: SkippedItem): Json {
  return compact({ family: s.family, key: s.key, reason: s.reason });
}

/** A discovery as a list page (it is never paged: the provider's whole list), with what was skipped. */
export function presentDiscovery(r: DiscoverResult): Json {
  return { streams: r.streams.map(presentDiscoveredStream), skipped: r.skipped.map(presentSkipped), next_cursor: null, has_more: false };
}
