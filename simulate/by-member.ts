// Grouping a history by member, and the order members are reported in: the pieces simulate,
// simulate --as-run and what-if share.

/** The items of each member, in the order given, members in order of first appearance. */
export function byMember<T>(items: Iterable<T>, memberIdOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const memberId = memberIdOf(item);
    const group = groups.get(memberId);
    if (group) group.push(item);
    else groups.set(memberId, [item]);
  }
  return groups;
}

/** Member ids in report order: by code unit, as the workflow ids sort (not the locale's order). */
export function inMemberOrder(memberIds: Iterable<string>): string[] {
  return [...memberIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
