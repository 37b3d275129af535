from django.urls import path

from improvement import views

app_name = "improvement"
urlpatterns = [
    path("drivers/", views.drivers_home, name="drivers_home"),
    path("drivers/<str:code>/", views.drivers, name="drivers"),
]
