"""Article identity: canonical URLs, fingerprints, MinHash signatures, the band index of the
clustering window, and story assignment."""
