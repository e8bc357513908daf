package com.acme.payments.port;

import com.acme.payments.domain.DependencyException;

import java.util.Optional;

/**
 * Reads this region's view of the {@link ActiveRegion} record. Implementations read only this region's own
 * store (never another region's endpoint), so a region that is cut off cannot learn it was replaced and must
 * treat an unreadable record as "not active".
 */
public interface ActiveRegionSource {
    /**
     * @return the record, or empty when none was ever written (a deployment that did not run its
     *         {@code active-region} step): then no region takes writes
     * @throws DependencyException when the store cannot be read or holds a malformed record
     */
    Optional<ActiveRegion> read();
}
