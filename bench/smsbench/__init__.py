"""The SMS platform benchmark; bench/run is its entry point, bench/README.md its manual."""
