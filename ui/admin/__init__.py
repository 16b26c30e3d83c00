"""Administration (users, roles, policy, activity) and the user's own account: password, MFA, lock screen."""
