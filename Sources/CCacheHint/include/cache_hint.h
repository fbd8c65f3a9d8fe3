#ifndef TALENTSTATS_CACHE_HINT_H
#define TALENTSTATS_CACHE_HINT_H

/// Asks the processor to start loading the cache line holding `address`, without waiting for it.
/// A hint only: it never faults and changes no value, so any address is safe to pass.
static inline void cache_hint_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }

#endif
