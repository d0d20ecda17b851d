package api

// CachedDocuments is how many parsed documents s keeps, and their estimated
// bytes.
func CachedDocuments(s *Server) (n, bytes int) {
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	return s.cache.lru.Len(), s.cache.bytes
}

// QueryCacheBudget is the cache's byte budget.
const QueryCacheBudget = queryCacheSize
