"""Service-task handlers and statutory deadlines of the 法律援助 / Legal aid service line."""
