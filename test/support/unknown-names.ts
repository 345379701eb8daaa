/**
 * `count` metadata lookups of random names no deployment has (`<tag>-<n>-<random>`), from
 * `clients` concurrent clients; the number of answers per status.
 */
export async function lookUpRandomNames(options: {
  gatewayUrl: string;
  count: number;
  tag: string;
  clients: number;
}): Promise<Record<number, number>> {
  const statuses: Record<number, number> = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: options.clients }, async () => {
      while (next < options.count) {
        const name = `${options.tag}-${next++}-${Math.random().toString(36).slice(2, 12)}`;
        const response = await fetch(`${options.gatewayUrl}/v2/models/${name}`);
        await response.arrayBuffer();
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      }
    }),
  );
  return statuses;
}
