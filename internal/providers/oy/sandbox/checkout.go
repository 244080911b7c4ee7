package sandbox

type paymentLink struct{}

func (s *Sandbox) checkoutRoutes() {}
