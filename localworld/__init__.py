"""localworld."""
