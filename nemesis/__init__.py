"""bin/nemesis: a randomized fault simulator for the SMS platform (docs/nemesis.md)."""
