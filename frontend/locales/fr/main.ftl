site-name = Plenary
