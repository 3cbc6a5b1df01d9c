"""Who may do what with reviews: everyone who reads the map may attend; managers run them."""

from ownership.permissions import VIEW_MAP

ATTEND = VIEW_MAP
RUN = "reviews.run_reviewsession"
