"""What a fresh install needs before anyone configures anything."""
