// Search suggestions: filled in by the search feature.
