"""People, roles and areas; sign-in, invitations, password resets and personal data."""
