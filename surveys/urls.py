from django.urls import path

from surveys import views

app_name = "surveys"
urlpatterns = [
    path("", views.home, name="home"),
    path("s/<str:code>/", views.take_survey, name="take"),
    path("s/<str:code>/cam-on/", views.thanks, name="thanks"),
]
