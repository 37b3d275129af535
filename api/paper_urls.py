from django.urls import path

from api import paper_views as views

app_name = "paper"
urlpatterns = [
    path("", views.index, name="index"),
    path("print/", views.print_forms, name="print"),
    path("<int:pk>/", views.entry, name="entry"),
    path("<int:pk>/compare/", views.compare, name="compare"),
    path("<int:pk>/commit/", views.commit, name="commit"),
]
