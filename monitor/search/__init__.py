"""Search of the stored articles: the query language, the candidates, ranking, the results."""
