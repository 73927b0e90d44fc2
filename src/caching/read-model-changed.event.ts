/**
 * Published after a read model has been updated (by a projector, after the write committed), so that caches drop
 * what they hold for it. `resourceId` null means "the collection" (lists and searches).
 */
export class ReadModelChangedEvent {
  constructor(
    readonly resourceType: string,
    readonly resourceId: string | null,
  ) {}
}
