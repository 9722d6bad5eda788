import { describe, expect, it } from 'vitest';
import { findLink, parseLinkHeader } from '../../engine/components/pagination/link-parser.js';

describe('RFC 8288 Link parser', () => {
  it('parses several links with quoted and bare rel values', () => {
    const links = parseLinkHeader('<https://a.test/x?page=2>; rel="next", <https://a.test/x?page=9>; rel=last');
    expect(links).toEqual([
      { uri: 'https://a.test/x?page=2', rel: ['next'], params: { rel: 'next' } },
      { uri: 'https://a.test/x?page=9', rel: ['last'], params: { rel: 'last' } },
    ]);
  });

  it('splits a rel list and matches any member case-insensitively', () => {
    const h = '</p3>; REL="Next Last"';
    expect(parseLinkHeader(h)[0].rel).toEqual(['next', 'last']);
    expect(findLink(h, 'last')).toBe('/p3');
    expect(findLink(h, 'NEXT')).toBe('/p3');
    expect(findLink(h, 'prev')).toBeUndefined();
  });

  it('keeps commas and semicolons inside URIs and quoted values', () => {
    const h = '<https://a.test/x?ids=1,2;3>; title="a, b; c"; rel="next", <https://a.test/y>; rel="prev"';
    const links = parseLinkHeader(h);
    expect(links.map((l) => l.uri)).toEqual(['https://a.test/x?ids=1,2;3', 'https://a.test/y']);
    expect(links[0].params.title).toBe('a, b; c');
    expect(findLink(h, 'next')).toBe('https://a.test/x?ids=1,2;3');
  });

  it('unescapes quoted-pairs, ignores repeated rel, accepts valueless params and odd whitespace', () => {
    const h = ' <u1> ;rel = "next" ; rel="prev";  title="say \\"hi\\"" ; anchor ,<u2>;rel=prev';
    const links = parseLinkHeader(h);
    expect(links).toHaveLength(2);
    expect(links[0]).toEqual({ uri: 'u1', rel: ['next'], params: { rel: 'next', title: 'say "hi"', anchor: '' } });
    expect(links[1].rel).toEqual(['prev']);
  });

  it('joins several header lines and recovers from a malformed link-value', () => {
    expect(findLink(['garbage; rel="next"', '<https://a.test/ok>; rel="next"'], 'next')).toBe('https://a.test/ok');
    // Recovery skips a quoted string whole: a link-looking text inside it is not a link.
    expect(findLink('garbage; title="x, <https://evil.test/>; rel=next; y", <https://a.test/ok>; rel="next"', 'next')).toBe('https://a.test/ok');
    expect(parseLinkHeader(undefined)).toEqual([]);
    expect(parseLinkHeader('')).toEqual([]);
    expect(parseLinkHeader('<unterminated; rel="next"')).toEqual([]);
    expect(findLink('<a>; foo="x", <b>', 'next')).toBeUndefined();
  });
});
