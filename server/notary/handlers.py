"""Service-task handlers and statutory deadlines of the 公证 / Notary service line."""
