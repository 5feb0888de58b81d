"""Service-task handlers and statutory deadlines of the 人民调解 / People's mediation service line."""
