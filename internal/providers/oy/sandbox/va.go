package sandbox

type virtualAccount struct{}

func (s *Sandbox) vaRoutes() {}
